package dev.ballast.schema.labels;

import dev.ballast.schema.BackendProtocol;
import dev.ballast.schema.Endpoint;
import dev.ballast.schema.EndpointMode;
import dev.ballast.schema.FieldPath;
import dev.ballast.schema.HeaderOperations;
import dev.ballast.schema.HealthCheck;
import dev.ballast.schema.LoadBalancing;
import dev.ballast.schema.Problem;
import dev.ballast.schema.ProxyProtocolVersion;
import dev.ballast.schema.Retries;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteMode;
import dev.ballast.schema.RouteSchema;
import dev.ballast.schema.RouteSpec;
import dev.ballast.schema.RouteTls;
import dev.ballast.schema.RouteValidator;
import dev.ballast.schema.Rule;
import dev.ballast.schema.StickySessions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Translates a service's Docker Flow labels (or push-API parameters) into one {@link Route}.
 *
 * <p>Stateless and thread-safe. Never throws on bad input: see {@link LabelTranslation}.
 */
public final class LabelTranslator {

    private static final String[] DESTINATION_MARKERS = {"servicePath", "port", "serviceDomain", "httpsPort"};

    private final TranslationOptions options;

    /** The label a service opts in with (see {@link TranslationOptions#notifyKey()}). */
    public String notifyKey() {
        return options.notifyKey();
    }

    public LabelTranslator(TranslationOptions options) {
        this.options = options;
    }

    /** Whether a service's labels opt it in: the opt-in label with its expected value (case-insensitively). */
    public boolean optedIn(Map<String, String> labels) {
        String optIn = labels.get(options.notifyKey());
        return optIn != null && optIn.trim().equalsIgnoreCase(options.notifyValue());
    }

    /**
     * The route of a Swarm service.
     *
     * @param serviceName the Swarm service name, with its stack prefix
     * @param labels all of the service's labels
     */
    public LabelTranslation translateLabels(String serviceName, Map<String, String> labels) {
        String optIn = labels.get(options.notifyKey());
        if (optIn == null) {
            return new LabelTranslation.NotOptedIn(serviceName, "no " + options.notifyKey() + " label");
        }
        if (!optIn.trim().equalsIgnoreCase(options.notifyValue())) {
            return new LabelTranslation.NotOptedIn(serviceName, options.notifyKey() + " is \"" + optIn
                    + "\", not " + options.notifyValue());
        }
        LabelParams params = LabelParams.fromLabels(labels, options.notifyKey(), options.separator());
        return translate(serviceName, routeName(serviceName, labels, params), params);
    }

    /**
     * The route described by Docker Flow push-API parameters ({@code /v1/docker-flow-proxy/reconfigure}); the
     * service name comes from the {@code serviceName} parameter.
     */
    public LabelTranslation translateParameters(Map<String, String> parameters) {
        String serviceName = parameters.getOrDefault("serviceName", "").trim();
        LabelParams params = LabelParams.fromParameters(parameters, options.separator());
        if (serviceName.isEmpty()) {
            params.error("serviceName", "is required");
            return new LabelTranslation.Invalid("", "", params.errors(), params.warnings());
        }
        return translate(serviceName, serviceName, params);
    }

    /** With {@code com.df.shortName=true} the stack prefix ({@code <namespace>_}) is dropped, as in Docker Flow. */
    private static String routeName(String serviceName, Map<String, String> labels, LabelParams params) {
        String namespace = labels.get(DockerFlowLabels.STACK_NAMESPACE);
        if (params.isTrue(params.get("shortName")) && namespace != null && serviceName.startsWith(namespace + "_")) {
            return serviceName.substring(namespace.length() + 1);
        }
        return serviceName;
    }

    private LabelTranslation translate(String serviceName, String routeName, LabelParams p) {
        List<Integer> indexes = destinationIndexes(p);
        p.warnAboutUnusedIndexes(indexes.get(indexes.size() - 1));
        p.get("aclName").ifPresent(v -> p.warning(v.label(), "ignored: rules no longer sort by aclName; the most "
                + "specific rule wins (use " + p.labelName("order", 0) + " for an explicit priority)"));

        RouteMode mode = mode(p, indexes);
        DestinationTranslator destinations = new DestinationTranslator(p, serviceLevel(p), options, mode);
        List<Rule> rules = new ArrayList<>();
        for (int index : indexes) {
            destinations.translate(index, rules);
        }
        Optional<String> outbound = outboundHostname(p, indexes);
        RouteSpec spec = new RouteSpec(mode, outbound.isPresent() ? null : serviceName,
                outbound.map(host -> List.of(new Endpoint(host))).orElse(List.of()),
                p.integer(p.get("order"), 0, 1_000_000, "an order").orElse(null),
                endpointMode(p), loadBalancing(p), stickySessions(p),
                new Retries(p.integer(p.get("retries"), 0, 5, "a retry count").orElse(null)),
                healthCheck(p), proxyProtocol(p), backendProtocol(p), acme(p), RateLimitLabels.of(p),
                p.isTrue(p.get("isDefaultBackend")), rules);
        p.from(FieldPath.of("spec", "mode"), p.get("reqMode", indexes.get(0)));
        p.from(FieldPath.of("spec", "order"), p.get("order"));
        p.from(FieldPath.of("spec", "retries"), p.get("retries"));
        p.from(FieldPath.of("spec", "healthCheck"), p.get("healthCheckPath"));
        p.from(FieldPath.of("spec", "healthCheck", "interval"), p.get("healthCheckInterval"));
        // the first destination's label: an indexed one (outboundHostname.1) counts as well
        p.from(FieldPath.of("spec", "endpoints"), indexes.stream().map(i -> p.get("outboundHostname", i))
                .flatMap(Optional::stream).findFirst());
        p.from(FieldPath.of("spec", "proxyProtocol"), p.get("sendProxyProtocol"));
        p.from(FieldPath.of("spec", "backendProtocol"), p.get("backendProtocol"));
        p.from(FieldPath.of("spec", "tls", "hosts"), p.get("letsencrypt.host"));
        p.warnAboutUnread();

        if (!p.errors().isEmpty()) {
            return new LabelTranslation.Invalid(serviceName, routeName, p.errors(), p.warnings());
        }
        Route route = Route.of(routeName, spec);
        RouteValidator.Result result = RouteValidator.validate(route);
        if (!result.isValid()) {
            List<Problem> errors = new ArrayList<>();
            for (RouteSchema.Violation v : result.violations()) {
                String field = p.labelOf(v.path()).orElse(v.path().dotted());
                errors.add(Problem.error(field, v.message()));
            }
            return new LabelTranslation.Invalid(serviceName, routeName, errors, p.warnings());
        }
        return new LabelTranslation.Translated(serviceName, result.route(), p.warnings());
    }

    /**
     * The route's mode from {@code reqMode}: Docker Flow read it per destination, a Ballast route has one, so every
     * destination must agree (the un-indexed value is the default of each).
     */
    private static RouteMode mode(LabelParams p, List<Integer> indexes) {
        RouteMode mode = null;
        for (int index : indexes) {
            Optional<LabelParams.Value> value = p.get("reqMode", index);
            String text = value.map(v -> v.text().trim().toLowerCase(Locale.ROOT)).orElse("http");
            RouteMode own = switch (text) {
                case "http" -> RouteMode.HTTP;
                case "tcp" -> RouteMode.TCP;
                case "sni" -> RouteMode.SNI;
                default -> {
                    p.error(value.get().label(), "\"" + value.get().text()
                            + "\" is not a request mode (http, tcp or sni)");
                    yield null;
                }
            };
            if (own == null) {
                continue;
            }
            if (mode == null) {
                mode = own;
            } else if (own != mode) {
                p.error(p.labelName("reqMode", index), "\"" + own.name().toLowerCase(Locale.ROOT) + "\" differs from "
                        + "the first destination's \"" + mode.name().toLowerCase(Locale.ROOT)
                        + "\": a Ballast route has one mode, so every destination must have the same reqMode");
            }
        }
        return mode == null ? RouteMode.HTTP : mode;
    }

    /** 1…10 while any marker is set at that exact index; the un-indexed destination (0) when none is. */
    private static List<Integer> destinationIndexes(LabelParams p) {
        List<Integer> indexes = new ArrayList<>();
        for (int i = 1; i <= DockerFlowLabels.MAX_INDEX; i++) {
            final int index = i;
            if (java.util.Arrays.stream(DESTINATION_MARKERS).noneMatch(m -> p.hasExactly(m, index))) {
                break;
            }
            indexes.add(i);
        }
        return indexes.isEmpty() ? List.of(0) : indexes;
    }

    private DestinationTranslator.ServiceLevel serviceLevel(LabelParams p) {
        Optional<LabelParams.Value> addReq = p.get("addReqHeader").or(() -> p.get("addHeader"));
        Optional<LabelParams.Value> setReq = p.get("setReqHeader").or(() -> p.get("setHeader"));
        HeaderOperations request = headerOperations(p, addReq, setReq, p.get("delReqHeader"));
        HeaderOperations response = headerOperations(p, p.get("addResHeader"), p.get("setResHeader"),
                p.get("delResHeader"));
        Optional<LabelParams.Value> users = p.get("users").or(() -> p.get("usersSecret"));
        return new DestinationTranslator.ServiceLevel(request, response, auth(p), deprecatedRewrite(p),
                p.isTrue(p.get("redirectWhenHttpProto")), p.isTrue(p.get("redirectUnlessHttpsProto")),
                new DestinationTranslator.FieldProvenance(addReq.or(() -> setReq).or(() -> p.get("delReqHeader")),
                        p.get("addResHeader").or(() -> p.get("setResHeader")).or(() -> p.get("delResHeader")),
                        users, p.get("reqPathSearch")));
    }

    /** {@code Name value} entries; HAProxy expressions and conditions cannot be honoured and are skipped. */
    private static HeaderOperations headerOperations(LabelParams p, Optional<LabelParams.Value> add,
                                                     Optional<LabelParams.Value> set,
                                                     Optional<LabelParams.Value> remove) {
        return new HeaderOperations(headerValues(p, add), headerValues(p, set), p.list(remove));
    }

    private static Map<String, String> headerValues(LabelParams p, Optional<LabelParams.Value> value) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String entry : p.list(value)) {
            String[] parts = entry.trim().split("\\s+", 2);
            if (parts.length < 2) {
                p.error(value.get().label(), "\"" + entry + "\" is not \"Name value\"");
            } else if (parts[1].contains("%[") || parts[1].matches(".*\\s(if|unless)\\s*\\{.*")) {
                p.warning(value.get().label(), "header " + parts[0] + " skipped: HAProxy expressions and "
                        + "conditions (\"" + parts[1] + "\") are not supported");
            } else {
                out.put(parts[0], parts[1]);
            }
        }
        return out;
    }

    /**
     * {@code users} ({@code name:password} or just {@code name}, separated by commas) and {@code usersSecret} (only
     * its name: each replica reads {@code dfp_users_NAME} itself, so the secret's passwords never travel). A user
     * without a password takes it on the replica from the secret, else from the replica's global users, as in Docker
     * Flow.
     */
    private static Rule.Auth auth(LabelParams p) {
        boolean hashed = p.isTrue(p.get("usersPassEncrypted"));
        List<Rule.User> users = new ArrayList<>();
        p.get("users").ifPresent(v -> users.addAll(users(p, v.label(), p.list(Optional.of(v)), hashed)));
        Optional<LabelParams.Value> secretValue = p.get("usersSecret");
        String secret = secretValue.map(v -> v.text().trim()).orElse(null);
        if (secret != null && secret.isEmpty()) {
            p.error(secretValue.get().label(), "names no secret");
            secret = null;
        }
        if (users.isEmpty() && secret == null) {
            // Asked for auth but got no users: refuse the route rather than serve it open.
            p.get("users").filter(v -> v.text().isBlank()).ifPresent(v -> p.error(v.label(), "names no users"));
            return null;
        }
        return new Rule.Auth(null, users, secret, secret != null && hashed, false);
    }

    private static List<Rule.User> users(LabelParams p, String label, List<String> entries, boolean hashed) {
        List<Rule.User> out = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw.trim();
            int colon = entry.indexOf(':');
            if (colon < 0) {
                out.add(new Rule.User(entry, null, null)); // its password comes from usersSecret or USERS
                continue;
            }
            String name = entry.substring(0, colon).trim();
            String secret = entry.substring(colon + 1).trim();
            if (name.isEmpty()) {
                p.error(label, "an entry has no user name (expected name:password or name)");
            } else if (secret.isEmpty()) {
                p.error(label, "user \"" + name + "\" has an empty password (expected name:password, or just name to "
                        + "take the password from com.df.usersSecret or the replicas' USERS)");
            } else {
                out.add(hashed ? new Rule.User(name, null, secret) : new Rule.User(name, secret, null));
            }
        }
        return out;
    }

    /** Deprecated {@code reqPathSearch} + {@code reqPathReplace}: one pair added to every destination. */
    private static List<Rule.Rewrite> deprecatedRewrite(LabelParams p) {
        Optional<LabelParams.Value> search = p.get("reqPathSearch");
        Optional<LabelParams.Value> replace = p.get("reqPathReplace");
        if (search.isEmpty()) {
            replace.ifPresent(v -> p.warning(v.label(), "ignored without " + p.labelName("reqPathSearch", 0)));
            return List.of();
        }
        return List.of(new Rule.Rewrite(search.get().text(), replace.map(LabelParams.Value::text).orElse("")));
    }

    /** One static upstream host for the whole service, or none. */
    private static Optional<String> outboundHostname(LabelParams p, List<Integer> indexes) {
        Set<String> hosts = new LinkedHashSet<>();
        for (int index : indexes) {
            p.get("outboundHostname", index).ifPresent(v -> hosts.add(v.text().trim()));
        }
        if (hosts.size() > 1) {
            p.error(p.labelName("outboundHostname", indexes.get(0)), "differs between destinations ("
                    + String.join(", ", hosts) + "); Ballast sends a service to one upstream host");
            return Optional.empty();
        }
        return hosts.stream().findFirst();
    }

    private static EndpointMode endpointMode(LabelParams p) {
        return p.parse(p.get("endpointMode"), text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "tasks", "task", "dnsrr" -> EndpointMode.TASKS;
            case "vip" -> EndpointMode.VIP;
            default -> throw new IllegalArgumentException("\"" + text + "\" is not an endpoint mode (tasks or vip)");
        }).orElse(null);
    }

    /** HAProxy's {@code send-proxy} is v1, so {@code true} means v1, as it did behind Docker Flow. */
    private static ProxyProtocolVersion proxyProtocol(LabelParams p) {
        return p.parse(p.get("sendProxyProtocol"), text ->
                switch (text.trim().toLowerCase(Locale.ROOT)) {
                    case "true", "v1", "1" -> ProxyProtocolVersion.V1;
                    case "v2", "2" -> ProxyProtocolVersion.V2;
                    case "false" -> null;
                    default -> throw new IllegalArgumentException("\"" + text
                            + "\" is not a PROXY protocol version (v1, v2, true for v1, or false)");
                }).orElse(null);
    }

    /**
     * Docker Flow's letsencrypt companion labels: {@code letsencrypt.host} names the hosts of the certificate. Its
     * {@code letsencrypt.email} was the companion's account; Ballast's controller has one ACME account
     * ({@code --acme-email}), which the warning says.
     */
    private static RouteTls acme(LabelParams p) {
        p.get("letsencrypt.email").ifPresent(v -> p.warning(v.label(), "ignored: the ACME account is the"
                + " controller's (--acme-email); certificates are not ordered per service account"));
        List<String> hosts = p.list(p.get("letsencrypt.host"));
        return hosts.isEmpty() ? null : new RouteTls(true, hosts);
    }

    private static BackendProtocol backendProtocol(LabelParams p) {
        return p.parse(p.get("backendProtocol"), text ->
                switch (text.trim().toUpperCase(Locale.ROOT)) {
                    case "HTTP1", "HTTP/1.1", "HTTP" -> BackendProtocol.HTTP1;
                    case "H2C" -> BackendProtocol.H2C;
                    case "H2" -> BackendProtocol.H2;
                    default -> throw new IllegalArgumentException("\"" + text
                            + "\" is not a backend protocol (HTTP1, H2C or H2)");
                }).orElse(null);
    }

    private static LoadBalancing loadBalancing(LabelParams p) {
        return new LoadBalancing(p.parse(p.get("lb"), text ->
                switch (text.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
                    case "roundrobin" -> LoadBalancing.Policy.ROUND_ROBIN;
                    case "leastrequest" -> LoadBalancing.Policy.LEAST_REQUEST;
                    case "peakewma" -> LoadBalancing.Policy.PEAK_EWMA;
                    default -> throw new IllegalArgumentException("\"" + text
                            + "\" is not a load-balancing policy (RoundRobin, LeastRequest or PeakEwma)");
                }).orElse(null));
    }

    private static StickySessions stickySessions(LabelParams p) {
        boolean sticky = p.parse(p.get("sessionType"), text -> {
            if (!text.trim().equalsIgnoreCase("sticky-server")) {
                throw new IllegalArgumentException("\"" + text + "\" is not a session type (sticky-server)");
            }
            return true;
        }).orElse(false);
        return new StickySessions(sticky, null);
    }

    private static HealthCheck healthCheck(LabelParams p) {
        Optional<LabelParams.Value> path = p.get("healthCheckPath");
        Optional<LabelParams.Value> interval = p.get("healthCheckInterval");
        if (path.isEmpty()) {
            interval.ifPresent(v -> p.warning(v.label(), "ignored without " + p.labelName("healthCheckPath", 0)));
            return null;
        }
        return new HealthCheck(path.get().text().trim(), p.duration(interval).orElse(null), null, null, null);
    }
}
