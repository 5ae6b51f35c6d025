package dev.ballast.schema;

import dev.ballast.config.Cidr;
import dev.ballast.config.HostPort;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The checks a JSON Schema cannot express: regular expressions that compile, paths that start with {@code /} for
 * the path types that need it, endpoints that parse, an upstream port for every rule, at most one way to give a
 * password, a place for redirects from old domains to go, source ranges and body sizes that parse; in TCP mode, a
 * {@code srcPort} on every rule (once per route) and none of the HTTP-only fields; in SNI mode, a {@code srcPort} and
 * hosts on every rule, none of the HTTP-only fields.
 * Runs on a route that has passed the schema.
 */
final class RouteSemantics {

    /** SHA-512 crypt, as made by {@code mkpasswd -m sha-512}: {@code $6$[rounds=N$]salt$hash}. */
    private static final Pattern SHA512_CRYPT =
            Pattern.compile("^\\$6\\$(rounds=[0-9]+\\$)?[^$:\\s]{0,16}\\$[./0-9A-Za-z]{86}$");

    private RouteSemantics() {
    }

    static List<RouteSchema.Violation> check(Route route) {
        List<RouteSchema.Violation> out = new ArrayList<>();
        RouteSpec spec = route.spec();
        FieldPath specPath = FieldPath.of("spec");
        if (spec.service() == null && spec.endpoints().isEmpty()) {
            out.add(new RouteSchema.Violation(specPath, "needs a service or static endpoints"));
        }
        if (spec.service() != null && !spec.endpoints().isEmpty()) {
            out.add(new RouteSchema.Violation(specPath.child("endpoints"),
                    "cannot be combined with spec.service: give one or the other"));
        }
        boolean everyEndpointHasPort = !spec.endpoints().isEmpty();
        for (int i = 0; i < spec.endpoints().size(); i++) {
            FieldPath at = specPath.child("endpoints").index(i).child("address");
            String address = spec.endpoints().get(i).address();
            try {
                HostPort parsed = EndpointAddresses.parse(address);
                everyEndpointHasPort &= parsed.port() > 0;
            } catch (IllegalArgumentException e) {
                out.add(new RouteSchema.Violation(at, e.getMessage()));
            }
        }
        for (int i = 0; i < spec.rules().size(); i++) {
            checkRule(spec.rules().get(i), specPath.child("rules").index(i), everyEndpointHasPort, out);
        }
        switch (spec.mode()) {
            case TCP, SNI -> {
                TcpRules.check(spec, specPath, out);
                if (spec.backendProtocol() != null) {
                    out.add(new RouteSchema.Violation(specPath.child("backendProtocol"), "is for HTTP routes: a "
                            + spec.mode() + " route relays its connections' bytes as they come"));
                }
            }
            default -> {
                if (spec.proxyProtocol() != null) {
                    out.add(new RouteSchema.Violation(specPath.child("proxyProtocol"), "is for TCP and SNI routes: an "
                            + "HTTP route's requests carry the client in X-Forwarded-For and Forwarded"));
                }
            }
        }
        return out;
    }

    private static void checkRule(Rule rule, FieldPath at, boolean everyEndpointHasPort,
                                  List<RouteSchema.Violation> out) {
        if (rule.port() == null && !everyEndpointHasPort) {
            out.add(new RouteSchema.Violation(at.child("port"),
                    "is required (the upstream port), unless every static endpoint has its own port"));
        }
        for (int j = 0; j < rule.paths().size(); j++) {
            String path = rule.paths().get(j);
            FieldPath pathAt = at.child("paths").index(j);
            if (rule.pathType() == PathType.REGEX) {
                regex(path, pathAt, out);
            } else if (!path.startsWith("/")) {
                out.add(new RouteSchema.Violation(pathAt, "\"" + path + "\" must start with \"/\""));
            }
        }
        for (int j = 0; j < rule.rewrite().size(); j++) {
            regex(rule.rewrite().get(j).search(), at.child("rewrite").index(j).child("search"), out);
        }
        Set<String> both = new HashSet<>(rule.methods().allow());
        both.retainAll(rule.methods().deny());
        if (!both.isEmpty()) {
            out.add(new RouteSchema.Violation(at.child("methods"),
                    String.join(", ", both.stream().sorted().toList()) + " both allowed and denied"));
        }
        if (rule.auth() != null) {
            checkAuth(rule.auth(), at.child("auth"), out);
        }
        for (int j = 0; j < rule.allowedSourceRanges().size(); j++) {
            try {
                Cidr.parse(rule.allowedSourceRanges().get(j));
            } catch (IllegalArgumentException e) {
                out.add(new RouteSchema.Violation(at.child("allowedSourceRanges").index(j), e.getMessage()));
            }
        }
        if (rule.maxRequestBodySize() != null) {
            try {
                rule.maxRequestBodyBytes();
            } catch (IllegalArgumentException e) {
                out.add(new RouteSchema.Violation(at.child("maxRequestBodySize"), e.getMessage()));
            }
        }
        if (rule.redirect() != null && !rule.redirect().fromDomains().isEmpty()) {
            checkFromDomains(rule, at, out);
        }
    }

    private static void checkFromDomains(Rule rule, FieldPath at, List<RouteSchema.Violation> out) {
        FieldPath fromAt = at.child("redirect").child("fromDomains");
        if (rule.hosts().isEmpty()) {
            out.add(new RouteSchema.Violation(fromAt, "needs a host in hosts to redirect to"));
            return;
        }
        if (rule.hosts().get(0).startsWith("*")) {
            out.add(new RouteSchema.Violation(at.child("hosts").index(0), "\"" + rule.hosts().get(0)
                    + "\" is a wildcard: the first host is where fromDomains redirect to, so it must be a name"));
        }
        Set<String> hosts = new HashSet<>();
        rule.hosts().forEach(h -> hosts.add(h.toLowerCase(java.util.Locale.ROOT)));
        for (int j = 0; j < rule.redirect().fromDomains().size(); j++) {
            String from = rule.redirect().fromDomains().get(j);
            if (hosts.contains(from.toLowerCase(java.util.Locale.ROOT))) {
                out.add(new RouteSchema.Violation(fromAt.index(j), "\"" + from
                        + "\" is also one of the rule's hosts: it cannot redirect to itself"));
            }
        }
    }

    private static void checkAuth(Rule.Auth auth, FieldPath at, List<RouteSchema.Violation> out) {
        if (auth.disabled()) {
            if (!auth.users().isEmpty() || auth.usersSecret() != null) {
                out.add(new RouteSchema.Violation(at.child("disabled"), "cannot be combined with users or usersSecret"));
            }
            return;
        }
        if (auth.users().isEmpty() && auth.usersSecret() == null) {
            out.add(new RouteSchema.Violation(at, "needs users or usersSecret (or disabled: true)"));
        }
        if (auth.usersSecretHashed() && auth.usersSecret() == null) {
            out.add(new RouteSchema.Violation(at.child("usersSecretHashed"), "needs usersSecret"));
        }
        checkUsers(auth, at.child("users"), out);
    }

    private static void checkUsers(Rule.Auth auth, FieldPath at, List<RouteSchema.Violation> out) {
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < auth.users().size(); k++) {
            Rule.User user = auth.users().get(k);
            FieldPath userAt = at.index(k);
            if (!seen.add(user.name())) {
                out.add(new RouteSchema.Violation(userAt.child("name"), "user \"" + user.name() + "\" appears twice"));
            }
            if (user.password() != null && user.passwordHash() != null) {
                out.add(new RouteSchema.Violation(userAt, "give at most one of password and passwordHash"));
            } else if (user.passwordHash() != null && !SHA512_CRYPT.matcher(user.passwordHash()).matches()) {
                out.add(new RouteSchema.Violation(userAt.child("passwordHash"),
                        "is not a SHA-512 crypt hash ($6$salt$hash, as made by mkpasswd -m sha-512)"));
            }
        }
    }

    private static void regex(String expression, FieldPath at, List<RouteSchema.Violation> out) {
        try {
            Pattern.compile(expression);
        } catch (PatternSyntaxException e) {
            out.add(new RouteSchema.Violation(at, "\"" + expression + "\" is not a valid regular expression: "
                    + e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "")));
        }
    }
}
