package dev.ballast.dataplane.access;

import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import java.util.Locale;
import java.util.function.Function;

/**
 * The redirects, refusals and authentication a rule asks for, in this order: redirects from old domains, redirects to
 * https ({@code httpsOnly} for plain connections, {@code whenForwardedProtoHttp}, {@code unlessForwardedProtoHttps}),
 * {@code denyHttp}, then basic authentication. Redirecting first means credentials are never asked for over plain
 * HTTP when the rule wants https.
 */
public final class AccessPolicy {

    private final BasicAuth auth;

    public AccessPolicy(BasicAuth auth) {
        this.auth = auth;
    }

    /**
     * @param secure whether the connection to the proxy is TLS
     * @param host the {@code Host} header
     * @param uri the request target (path and query), used in redirects
     * @param header a request header by lower-case name, or {@code null}
     */
    public Access decide(Route route, Rule rule, boolean secure, String host, String uri,
                         Function<String, String> header) {
        Rule.Redirect redirect = rule.redirect();
        String forwardedProto = header.apply("x-forwarded-proto");
        String proto = forwardedProto == null ? null : forwardedProto.trim().toLowerCase(Locale.ROOT);
        if (redirect != null) {
            String hostName = host == null ? "" : host.toLowerCase(Locale.ROOT).replaceFirst(":\\d+$", "");
            if (!rule.hosts().isEmpty() && redirect.fromDomains().stream().anyMatch(d -> d.equalsIgnoreCase(hostName))) {
                String scheme = secure || "https".equals(proto) ? "https" : "http";
                return new Access.Redirect(redirect.fromDomainsCode(), scheme + "://" + rule.hosts().get(0) + uri);
            }
            boolean toHttps = (redirect.httpsOnly() && !secure && !"https".equals(proto))
                    || (redirect.whenForwardedProtoHttp() && "http".equals(proto))
                    || (redirect.unlessForwardedProtoHttps() && !"https".equals(proto));
            if (toHttps) {
                return new Access.Redirect(redirect.code(), "https://" + (host == null ? "" : host) + uri);
            }
        }
        if (rule.denyHttp() && !secure && !"https".equals(proto)) {
            return new Access.Forbidden("route " + route.name() + " accepts HTTPS only");
        }
        if (rule.auth() != null && !auth.allows(rule.auth(), header.apply("authorization"))) {
            String realm = rule.auth().realm() != null ? rule.auth().realm() : route.name();
            return new Access.Unauthorized(BasicAuth.challenge(realm));
        }
        return new Access.Proceed();
    }
}
