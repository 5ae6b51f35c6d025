package dev.ballast.schema.labels;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The Docker Flow parameter names Ballast knows, by how it treats them. */
public final class DockerFlowLabels {

    /** Every Docker Flow label starts with this. */
    public static final String PREFIX = "com.df.";

    /** Set by {@code docker stack deploy}; {@code com.df.shortName} strips {@code <namespace>_}. */
    public static final String STACK_NAMESPACE = "com.docker.stack.namespace";

    /** The highest destination index Docker Flow reads. */
    public static final int MAX_INDEX = 10;

    /** Parameters of one destination, which may be indexed. */
    static final Set<String> DESTINATION = names("servicePath", "pathType", "servicePathExclude", "serviceDomain",
            "serviceHeader", "userAgent", "port", "srcPort", "httpsPort", "srcHttpsPort", "reqMode",
            "reqPathSearchReplace", "httpsOnly", "httpsRedirectCode", "denyHttp", "redirectFromDomain",
            "allowedMethods", "deniedMethods", "ignoreAuthorization", "verifyClientSsl", "outboundHostname",
            "timeoutServer", "timeoutTunnel", "timeoutClient", "allowedSourceRanges", "maxRequestBodySize");

    /** Parameters of the whole service, Docker Flow's and Ballast's own ({@code lb} and those after it). */
    static final Set<String> SERVICE = names("aclName", "addReqHeader", "setReqHeader", "delReqHeader", "addHeader",
            "setHeader", "addResHeader", "setResHeader", "delResHeader", "users", "usersSecret",
            "usersPassEncrypted", "sessionType", "isDefaultBackend", "redirectWhenHttpProto",
            "redirectUnlessHttpsProto", "reqPathSearch", "reqPathReplace", "shortName",
            "sendProxyProtocol", "backendProtocol", "lb", "endpointMode", "retries", "healthCheckPath",
            "healthCheckInterval", "order", "letsencrypt.host", "letsencrypt.email", "rateLimit", "rateLimitBurst");

    /** Parameters that only configured HAProxy itself, with what Ballast does instead. */
    static final Map<String, String> HAPROXY_ONLY = haproxyOnly();

    /**
     * Parameters meant for the swarm listener or Docker Flow Monitor, not for routing; accepted without comment, as
     * are Docker Flow Monitor's {@code alert*} labels (see {@link #isMonitorLabel}). ({@code distribute} is moot:
     * replicas pull, nothing is fanned out.)
     */
    static final Set<String> NOT_FOR_THE_PROXY = names("notify", "distribute", "replicas", "serviceName",
            "scrapeNetwork", "scrapePort", "notifyService", "nodeInfo");

    /** The label that says which proxy instance a service belongs to (the controller's {@code --instance-name}). */
    public static final String PROXY_INSTANCE_NAME = "proxyInstanceName";

    /**
     * Parameters the controller reads before translation, to decide whether a service is its own to route: they
     * shape no route field, so the translator takes them without comment.
     */
    static final Set<String> READ_BY_THE_CONTROLLER = names(PROXY_INSTANCE_NAME);

    private DockerFlowLabels() {
    }

    private static final Set<String> ALL = allNames();
    /** lower-case name → canonical spelling, because parameter names are matched case-insensitively */
    private static final Map<String, String> BY_LOWER_CASE = ALL.stream()
            .collect(java.util.stream.Collectors.toUnmodifiableMap(n -> n.toLowerCase(Locale.ROOT), n -> n));

    /** Every parameter name Ballast recognises, for "did you mean" suggestions. */
    static Set<String> all() {
        return ALL;
    }

    private static Set<String> allNames() {
        Set<String> all = new TreeSet<>(DESTINATION);
        all.addAll(SERVICE);
        all.addAll(HAPROXY_ONLY.keySet());
        all.addAll(NOT_FOR_THE_PROXY);
        all.addAll(READ_BY_THE_CONTROLLER);
        return java.util.Collections.unmodifiableSet(all);
    }

    /** Every name a user may meet in the README's label section: routing, HAProxy-only and listener labels. */
    public static Set<String> documentedNames() {
        return all();
    }

    /** The labels reported as unsupported (HAProxy-specific) warnings, without {@code com.df.}. */
    public static Set<String> unsupportedNames() {
        return HAPROXY_ONLY.keySet();
    }

    /** The labels taken without comment because they concern the listener or Docker Flow Monitor (and {@code alert*}). */
    public static Set<String> listenerAndMonitorNames() {
        return NOT_FOR_THE_PROXY;
    }

    /**
     * The instance a service's labels (all of them, {@code com.df.} included) say it belongs to: the value of
     * {@code com.df.proxyInstanceName} (the name matched case-insensitively, as every Docker Flow label), trimmed;
     * empty when the label is absent or blank (Docker Flow's default instance, {@code docker-flow}, then).
     */
    public static Optional<String> proxyInstanceName(Map<String, String> labels) {
        return proxyInstanceName(labels, PREFIX);
    }

    /** As {@link #proxyInstanceName(Map)}, for names with {@code prefix} ({@code ""}: push-API parameters). */
    public static Optional<String> proxyInstanceName(Map<String, String> labels, String prefix) {
        String key = prefix + PROXY_INSTANCE_NAME;
        String value = labels.get(key);
        if (value == null) {
            for (Map.Entry<String, String> e : labels.entrySet()) {
                if (e.getKey().equalsIgnoreCase(key)) {
                    value = e.getValue();
                    break;
                }
            }
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** Whether {@code name} (without {@code com.df.}) is a label that shapes a route. */
    public static boolean isRoutingLabel(String name) {
        return DESTINATION.contains(name) || SERVICE.contains(name);
    }

    /** The canonical spelling of {@code name} (Docker Flow matched parameter names case-insensitively). */
    static Optional<String> canonical(String name) {
        return Optional.ofNullable(BY_LOWER_CASE.get(name.toLowerCase(Locale.ROOT)));
    }

    /** Docker Flow Monitor's alerting labels ({@code com.df.alertName}, {@code com.df.alertIf.1}, …). */
    static boolean isMonitorLabel(String name) {
        return name.toLowerCase(Locale.ROOT).startsWith("alert");
    }

    private static Set<String> names(String... names) {
        return Set.of(names);
    }

    private static Map<String, String> haproxyOnly() {
        Map<String, String> m = new TreeMap<>();
        String template = "raw HAProxy configuration has no equivalent; express it with Route fields";
        m.put("templateFePath", template);
        m.put("templateBePath", template);
        m.put("backendExtra", template);
        m.put("serviceDomainAlgo", "hosts match exactly (port ignored) or by *.wildcard");
        m.put("serviceDomainMatchAll", "hosts match exactly (port ignored) or by *.wildcard");
        m.put("connectionMode", "upstream connections are always pooled keep-alive");
        m.put("compressionAlgo", "compression is set for the whole proxy: COMPRESSION_ALGO on the dataplane");
        m.put("compressionType", "compression is set for the whole proxy: COMPRESSION_TYPE on the dataplane");
        m.put("checkResolvers", "endpoints come from the Swarm API, not DNS");
        m.put("discoveryType", "endpoints come from the Swarm API, not DNS");
        m.put("clitcpka", "TCP mode is not supported");
        m.put("checkTcp", "TCP mode is not supported; use com.df.healthCheckPath for HTTP checks");
        m.put("serviceGroup", "TCP groups are not supported");
        m.put("balanceGroup", "use com.df.lb (RoundRobin, LeastRequest, PeakEwma)");
        m.put("userDef", "only meant for custom HAProxy templates");
        m.put("sslVerifyNone", "upstream TLS is not supported; upstreams are reached over plain HTTP");
        m.put("serviceCert", "TLS certificates are not taken from labels");
        return Map.copyOf(m);
    }
}
