package dev.ballast.schema;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The semantic checks of a TCP or SNI route: a connection carries no path or header to match or rewrite, so a TCP
 * rule takes only {@code srcPort} (required: the listener whose connections it relays), {@code port} and
 * {@code timeouts.tunnel}; anything else would be silently ignored, and is refused instead, naming the field. A
 * value equal to the field's default (say {@code paths: [/]}) is not an error: it asks for nothing. An SNI rule
 * takes the same fields plus {@code hosts}, which it needs (the server names matched against the ClientHello); SNI
 * rules of one route may share a port, since their hosts tell them apart.
 */
final class TcpRules {

    private static final String HTTP_ONLY =
            "is HTTP-only: a TCP rule takes only srcPort, port, allowedSourceRanges and timeouts.tunnel";
    private static final String HTTP_ONLY_SNI =
            "is HTTP-only: an SNI rule takes only srcPort, hosts, port, allowedSourceRanges and timeouts.tunnel";

    private TcpRules() {
    }

    static void check(RouteSpec spec, FieldPath specPath, List<RouteSchema.Violation> out) {
        boolean sni = spec.mode() == RouteMode.SNI;
        if (spec.stickySessions().enabled()) {
            out.add(new RouteSchema.Violation(specPath.child("stickySessions"), "is HTTP-only (a cookie)"));
        }
        if (spec.healthCheck() != null) {
            out.add(new RouteSchema.Violation(specPath.child("healthCheck"), "is HTTP-only (a GET request)"));
        }
        if (spec.defaultBackend()) {
            out.add(new RouteSchema.Violation(specPath.child("defaultBackend"),
                    "is HTTP-only: " + (sni ? "an SNI" : "a TCP") + " route serves its srcPort only"));
        }
        if (spec.rateLimit() != null) {
            out.add(new RouteSchema.Violation(specPath.child("rateLimit"), "is HTTP-only (requests are counted)"));
        }
        Map<Integer, Integer> ruleOfPort = new HashMap<>();
        for (int i = 0; i < spec.rules().size(); i++) {
            Rule rule = spec.rules().get(i);
            FieldPath at = specPath.child("rules").index(i);
            if (rule.srcPort() == null) {
                out.add(new RouteSchema.Violation(at.child("srcPort"), "is required in " + spec.mode()
                        + " mode (the listener port whose connections are relayed)"));
            } else if (!sni) {
                Integer first = ruleOfPort.putIfAbsent(rule.srcPort(), i);
                if (first != null) {
                    out.add(new RouteSchema.Violation(at.child("srcPort"), rule.srcPort()
                            + " is already the srcPort of rules[" + first + "]: a port relays to one place"));
                }
            }
            if (sni && rule.hosts().isEmpty()) {
                out.add(new RouteSchema.Violation(at.child("hosts"),
                        "needs at least one host in SNI mode (the server names matched against the ClientHello)"));
            }
            httpOnly(rule, at, sni ? HTTP_ONLY_SNI : HTTP_ONLY, sni, out);
        }
    }

    private static void httpOnly(Rule rule, FieldPath at, String message, boolean sni,
                                 List<RouteSchema.Violation> out) {
        flag(!rule.paths().equals(List.of("/")), at.child("paths"), message, out);
        flag(rule.pathType() != PathType.PREFIX, at.child("pathType"), message, out);
        flag(!rule.excludePaths().isEmpty(), at.child("excludePaths"), message, out);
        flag(!sni && !rule.hosts().isEmpty(), at.child("hosts"), message, out);
        flag(!rule.headers().isEmpty(), at.child("headers"), message, out);
        flag(!rule.userAgents().isEmpty(), at.child("userAgents"), message, out);
        flag(!rule.methods().equals(Rule.Methods.ANY), at.child("methods"), message, out);
        flag(!rule.rewrite().isEmpty(), at.child("rewrite"), message, out);
        flag(!rule.requestHeaders().equals(HeaderOperations.NONE), at.child("requestHeaders"), message, out);
        flag(!rule.responseHeaders().equals(HeaderOperations.NONE), at.child("responseHeaders"), message, out);
        flag(rule.auth() != null, at.child("auth"), message, out);
        flag(rule.redirect() != null, at.child("redirect"), message, out);
        flag(rule.denyHttp(), at.child("denyHttp"), message, out);
        flag(rule.maxRequestBodySize() != null, at.child("maxRequestBodySize"), message, out);
        flag(rule.rawPath(), at.child("rawPath"), message, out);
        if (rule.timeouts() != null) {
            flag(rule.timeouts().server() != null, at.child("timeouts").child("server"), message, out);
            flag(rule.timeouts().client() != null, at.child("timeouts").child("client"), message, out);
        }
    }

    private static void flag(boolean given, FieldPath at, String message, List<RouteSchema.Violation> out) {
        if (given) {
            out.add(new RouteSchema.Violation(at, message));
        }
    }
}
