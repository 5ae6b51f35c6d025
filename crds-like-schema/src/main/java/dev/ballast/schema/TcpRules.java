package dev.ballast.schema;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The semantic checks of a TCP route: a connection carries no host, path or header to match or rewrite, so a TCP
 * rule takes only {@code srcPort} (required: the listener whose connections it relays), {@code port} and
 * {@code timeouts.tunnel}; anything else would be silently ignored, and is refused instead, naming the field. A
 * value equal to the field's default (say {@code paths: [/]}) is not an error: it asks for nothing.
 */
final class TcpRules {

    private static final String HTTP_ONLY = "is HTTP-only: a TCP rule takes only srcPort, port and timeouts.tunnel";

    private TcpRules() {
    }

    static void check(RouteSpec spec, FieldPath specPath, List<RouteSchema.Violation> out) {
        if (spec.stickySessions().enabled()) {
            out.add(new RouteSchema.Violation(specPath.child("stickySessions"), "is HTTP-only (a cookie)"));
        }
        if (spec.healthCheck() != null) {
            out.add(new RouteSchema.Violation(specPath.child("healthCheck"), "is HTTP-only (a GET request)"));
        }
        if (spec.defaultBackend()) {
            out.add(new RouteSchema.Violation(specPath.child("defaultBackend"),
                    "is HTTP-only: a TCP route serves its srcPort only"));
        }
        Map<Integer, Integer> ruleOfPort = new HashMap<>();
        for (int i = 0; i < spec.rules().size(); i++) {
            Rule rule = spec.rules().get(i);
            FieldPath at = specPath.child("rules").index(i);
            if (rule.srcPort() == null) {
                out.add(new RouteSchema.Violation(at.child("srcPort"),
                        "is required in TCP mode (the listener port whose connections are relayed)"));
            } else {
                Integer first = ruleOfPort.putIfAbsent(rule.srcPort(), i);
                if (first != null) {
                    out.add(new RouteSchema.Violation(at.child("srcPort"), rule.srcPort()
                            + " is already the srcPort of rules[" + first + "]: a port relays to one place"));
                }
            }
            httpOnly(rule, at, out);
        }
    }

    private static void httpOnly(Rule rule, FieldPath at, List<RouteSchema.Violation> out) {
        flag(!rule.paths().equals(List.of("/")), at.child("paths"), out);
        flag(rule.pathType() != PathType.PREFIX, at.child("pathType"), out);
        flag(!rule.excludePaths().isEmpty(), at.child("excludePaths"), out);
        flag(!rule.hosts().isEmpty(), at.child("hosts"), out);
        flag(!rule.headers().isEmpty(), at.child("headers"), out);
        flag(!rule.userAgents().isEmpty(), at.child("userAgents"), out);
        flag(!rule.methods().equals(Rule.Methods.ANY), at.child("methods"), out);
        flag(!rule.rewrite().isEmpty(), at.child("rewrite"), out);
        flag(!rule.requestHeaders().equals(HeaderOperations.NONE), at.child("requestHeaders"), out);
        flag(!rule.responseHeaders().equals(HeaderOperations.NONE), at.child("responseHeaders"), out);
        flag(rule.auth() != null, at.child("auth"), out);
        flag(rule.redirect() != null, at.child("redirect"), out);
        flag(rule.denyHttp(), at.child("denyHttp"), out);
        if (rule.timeouts() != null) {
            flag(rule.timeouts().server() != null, at.child("timeouts").child("server"), out);
            flag(rule.timeouts().client() != null, at.child("timeouts").child("client"), out);
        }
    }

    private static void flag(boolean given, FieldPath at, List<RouteSchema.Violation> out) {
        if (given) {
            out.add(new RouteSchema.Violation(at, HTTP_ONLY));
        }
    }
}
