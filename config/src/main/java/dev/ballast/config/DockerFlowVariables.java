package dev.ballast.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The environment variables of Docker Flow Proxy and Docker Flow Swarm Listener, and what a Ballast process does with
 * them, so that none set by a migrating user is ignored in silence.
 *
 * <p>A process honours the Docker Flow names its settings read ({@link Setting#env()}, e.g. {@code TIMEOUT_SERVER} on a
 * dataplane, {@code DF_NOTIFY_LABEL} on the controller). Every other Docker Flow variable that is set is reported
 * once at start with the reason and what to do instead: one Ballast process does not read it (then the other
 * one does: set it there), or no Ballast process does. Only names are reported, never values (some hold
 * passwords).
 */
public final class DockerFlowVariables {

    /** A Docker Flow variable that is set but that this process does not honour, and why. */
    public record Unhonoured(String name, String reason) {
        /** The line logged at start. */
        public String message() {
            return "Docker Flow variable " + name + " is set but not honoured: " + reason;
        }
    }

    /** {@code DFP_SERVICE_<PARAM>} and {@code DFP_SERVICE_<N>_<PARAM>}: static services from variables. */
    static final String STATIC_SERVICES_PREFIX = "DFP_SERVICE_";

    private static final String NO_HAPROXY = "Ballast has no HAProxy configuration to add it to";
    private static final String PULLED = "nothing is notified: replicas pull their routes from the controller";
    private static final String CERTIFICATES = "certificates come from --certs, cert-* secrets and the controller,"
            + " chosen by SNI";
    private static final String TLS_FIXED = "TLS 1.2 and 1.3 with Mozilla's intermediate ciphers, not configurable";
    private static final String SWARM_API = "endpoints come from the Swarm API, not from DNS when the configuration"
            + " is built";
    private static final String STATIC = "static services are not read from variables: write a Route file"
            + " (a dataplane's --routes, the controller's --routes-dir)";

    /**
     * Every Docker Flow variable no Ballast process honours, with the reason and the alternative. The names a process
     * does honour are not here: they come from the settings (see {@link #honouredBy}).
     */
    static final Map<String, String> NOT_HONOURED = notHonoured();

    private static Map<String, String> notHonoured() {
        Map<String, String> m = new LinkedHashMap<>();
        // Docker Flow Proxy
        m.put("LISTENER_ADDRESS", "replicas pull from the controller (--controller), which watches Swarm itself");
        m.put("SERVICE_NAME", "replicas do not fan requests out to each other: each one pulls from the controller");
        m.put("FILTER_PROXY_INSTANCE_NAME", "the instance filter is always on: the controller routes only the services"
                + " whose com.df.proxyInstanceName is its --instance-name (PROXY_INSTANCE_NAME; unlabelled services"
                + " belong to docker-flow)");
        m.put("IP", "the addresses are --listen and --admin-listen (a dataplane) and --listen (the controller)");
        m.put("PORT", "the addresses are --listen and --admin-listen (a dataplane) and --listen (the controller)");
        m.put("RELOAD_INTERVAL", "replicas pull continuously (long poll); there is no start-up pull to pace");
        m.put("REPEAT_RELOAD", "replicas pull continuously (long poll); there is no start-up pull to repeat");
        m.put("RELOAD_ATTEMPTS", "replicas pull continuously and try each --controller in turn");
        m.put("RECONFIGURE_ATTEMPTS", "there is no reload to retry: a snapshot is checked, then swapped in at once");
        m.put("SKIP_ADDRESS_VALIDATION", SWARM_API + "; a service without running tasks keeps its route and answers"
                + " 503");
        m.put("DO_NOT_RESOLVE_ADDR", SWARM_API + ", so an unresolvable service breaks nothing");
        m.put("CHECK_RESOLVERS", SWARM_API + ", so an unresolvable service breaks nothing");
        m.put("RESOLVERS", SWARM_API);
        m.put("DEFAULT_REQ_MODE", "Ballast proxies HTTP only");
        m.put("CONNECTION_MODE", "upstream connections are always pooled keep-alive");
        m.put("TIMEOUT_QUEUE", "there is no request queue: a request goes to an upstream at once");
        m.put("SERVICE_DOMAIN_ALGO", "hosts match exactly (port ignored) or by *.wildcard");
        m.put("STATS_USER", "there is no HAProxy stats page: Prometheus metrics are on the admin listener's /metrics");
        m.put("STATS_USER_ENV", "there is no HAProxy stats page: Prometheus metrics are on the admin listener's"
                + " /metrics");
        m.put("STATS_PASS", "there is no HAProxy stats page: Prometheus metrics are on the admin listener's /metrics");
        m.put("STATS_PASS_ENV", "there is no HAProxy stats page: Prometheus metrics are on the admin listener's"
                + " /metrics");
        m.put("STATS_URI", "there is no HAProxy stats page: Prometheus metrics are on the admin listener's /metrics");
        m.put("STATS_PORT", "there is no HAProxy stats page: Prometheus metrics are on the admin listener's /metrics");
        m.put("CA_FILE", "client certificates are not supported");
        m.put("CRT_LIST_PATH", CERTIFICATES);
        m.put("PREFERRED_CERTIFICATE", "--default-cert names the certificate served when no other matches");
        m.put("CERTS", "deprecated in Docker Flow already; " + CERTIFICATES);
        m.put("ENABLE_H2", "HTTP/2 is always served: ALPN h2 on TLS listeners, h2c on plain ones");
        m.put("SSL_BIND_OPTIONS", TLS_FIXED);
        m.put("SSL_BIND_CIPHERS", TLS_FIXED);
        m.put("EXTRA_GLOBAL", NO_HAPROXY + ": express it with Route fields");
        m.put("EXTRA_FRONTEND", NO_HAPROXY + ": express it with Route fields");
        m.put("CFG_TEMPLATE_PATH", NO_HAPROXY + ": templates have no equivalent; express it with Route fields");
        m.put("CAPTURE_REQUEST_HEADER", "the access log (--access-log) has a fixed format");
        m.put("DEBUG", "use --access-log: one line per request on stdout");
        m.put("DEBUG_ERRORS_ONLY", "use --access-log: one line per request on stdout, with its status");
        m.put("DEBUG_HTTP_FORMAT", "the access log (--access-log) has a fixed format");
        m.put("DEBUG_TCP_FORMAT", "Ballast proxies HTTP only");
        m.put("TERMINATE_ON_RELOAD", "there are no reloads: a new routing table is swapped in without touching"
                + " connections");
        m.put("DISPLAY_CONFIG_ON_ERROR", "the routing table in force is at /v1/docker-flow-proxy/config on the admin"
                + " listener, and problems are in the controller's /v1/status");
        m.put("DNS_LOOKUP_PAUSE_MS", "replicas do not sync certificates with each other");
        m.put("HEALTHCHECK", "the image's HEALTHCHECK always asks /readyz");
        m.put("DEFAULT_PROTOCOL", STATIC);
        m.put("MODE", "it had no effect in Docker Flow since 2017 either (swarm mode is the only one)");
        // Docker Flow Swarm Listener
        m.put("DF_NOTIFY_CREATE_SERVICE_URL", PULLED);
        m.put("DF_NOTIFY_REMOVE_SERVICE_URL", PULLED);
        m.put("DF_NOTIF_CREATE_SERVICE_URL", PULLED);
        m.put("DF_NOTIF_REMOVE_SERVICE_URL", PULLED);
        m.put("DF_NOTIFICATION_URL", PULLED);
        m.put("DF_NOTIFY_CREATE_SERVICE_METHOD", PULLED);
        m.put("DF_NOTIFY_REMOVE_SERVICE_METHOD", PULLED);
        m.put("DF_NOTIFY_CREATE_NODE_URL", "nodes are not watched, and nothing is notified");
        m.put("DF_NOTIFY_REMOVE_NODE_URL", "nodes are not watched, and nothing is notified");
        m.put("DF_RETRY", PULLED + ", so nothing is retried");
        m.put("DF_RETRY_INTERVAL", PULLED + ", so nothing is retried");
        m.put("DF_SERVICE_POLLING_INTERVAL", "the controller always follows service events and lists everything every"
                + " --resync-interval (30s)");
        m.put("DF_USE_DOCKER_SERVICE_EVENTS", "the controller always follows service events and lists everything every"
                + " --resync-interval (30s)");
        m.put("DF_NODE_POLLING_INTERVAL", "nodes are not watched");
        m.put("DF_USE_DOCKER_NODE_EVENTS", "nodes are not watched");
        m.put("DF_INCLUDE_NODE_IP_INFO", "nodeInfo (for Docker Flow Monitor) is not produced");
        m.put("DF_NODE_IP_INFO_INCLUDES_TASK_ADDRESS", "nodeInfo (for Docker Flow Monitor) is not produced");
        m.put("DF_SERVICE_NAME_PREFIX", "routes are named after their services (com.df.shortName drops the stack"
                + " prefix)");
        m.put("DF_NOTIFY_CREATE_SERVICE_IMMEDIATELY", "a service is routed as soon as it exists; its endpoints follow"
                + " its running tasks");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Docker Flow variables a dataplane reads that are no setting's: its listeners when no listener flag is given
     * ({@link DockerFlowPorts}), by the flags they stand for.
     */
    private static final Map<String, String> READ_BY_A_DATAPLANE = Map.of(DockerFlowPorts.DEFAULT_PORTS,
            "--listen, --tls-listen", DockerFlowPorts.BIND_PORTS, "--listen, --tls-listen");

    /** Variables some settings read that are not Docker Flow's own: Docker's client reads them too. */
    private static final Set<String> NOT_DOCKER_FLOWS = Set.of("DOCKER_HOST");

    private DockerFlowVariables() {
    }

    /** Every Docker Flow variable Ballast knows of: those some process honours and those none does. */
    public static Set<String> known() {
        Set<String> all = new TreeSet<>(NOT_HONOURED.keySet());
        all.addAll(honouredBy(ControllerConfig.SETTINGS));
        all.addAll(honouredBy(DataplaneConfig.SETTINGS));
        all.addAll(READ_BY_A_DATAPLANE.keySet());
        return all;
    }

    /** The Docker Flow names that {@code settings} read (their environment names other than Ballast's own). */
    static Set<String> honouredBy(List<Setting<?>> settings) {
        Set<String> names = new TreeSet<>();
        for (Setting<?> setting : settings) {
            for (String env : setting.env()) {
                if (!env.startsWith("BALLAST_") && !NOT_DOCKER_FLOWS.contains(env)) {
                    names.add(env);
                }
            }
        }
        return names;
    }

    /** What the controller does not honour among the Docker Flow variables set in {@code env}, by name. */
    public static List<Unhonoured> forController(Map<String, String> env) {
        return unhonoured(env, ControllerConfig.SETTINGS, DataplaneConfig.SETTINGS, "a dataplane", "the controller",
                Set.of(), READ_BY_A_DATAPLANE);
    }

    /** What a dataplane does not honour among the Docker Flow variables set in {@code env}, by name. */
    public static List<Unhonoured> forDataplane(Map<String, String> env) {
        return unhonoured(env, DataplaneConfig.SETTINGS, ControllerConfig.SETTINGS, "the controller", "a dataplane",
                READ_BY_A_DATAPLANE.keySet(), Map.of());
    }

    /**
     * @param ownExtra Docker Flow names this process reads beside its settings'
     * @param otherExtra those the other process reads beside its settings', by the flags they stand for
     */
    private static List<Unhonoured> unhonoured(Map<String, String> env, List<Setting<?>> own, List<Setting<?>> other,
                                               String otherName, String ownName, Set<String> ownExtra,
                                               Map<String, String> otherExtra) {
        Set<String> honoured = honouredBy(own);
        honoured.addAll(ownExtra);
        Map<String, String> byOther = new LinkedHashMap<>(otherExtra);
        for (Setting<?> setting : other) {
            for (String name : setting.env()) {
                if (!name.startsWith("BALLAST_") && !NOT_DOCKER_FLOWS.contains(name)) {
                    byOther.putIfAbsent(name, setting.flag());
                }
            }
        }
        List<Unhonoured> out = new ArrayList<>();
        for (String name : new TreeSet<>(env.keySet())) {
            String value = env.get(name);
            if (value == null || value.isEmpty() || honoured.contains(name)) {
                continue; // unset, or empty (as the settings read it), or honoured here
            }
            if (byOther.containsKey(name)) {
                out.add(new Unhonoured(name, "read by " + otherName + " (" + byOther.get(name) + "), not by "
                        + ownName + ": set it there"));
            } else if (NOT_HONOURED.containsKey(name)) {
                out.add(new Unhonoured(name, NOT_HONOURED.get(name)));
            } else if (name.startsWith(STATIC_SERVICES_PREFIX) || name.equals("DFP_SERVICE")) {
                out.add(new Unhonoured(name, STATIC));
            }
        }
        return out;
    }
}
