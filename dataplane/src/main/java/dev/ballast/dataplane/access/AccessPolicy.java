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
     * @param credentials who the rule lets in, as the replica resolved them ({@link UserDirectory})
     * @param fromDomain whether the request's host is one of the rule's {@code redirect.fromDomains}
     * @param secure whether the connection to the proxy is TLS
     * @param host the {@code Host} header
     * @param uri the request target (path and query), kept in redirects
     * @param header a request header by lower-case name, or {@code null}
     */
    public Access decide(Route route, Rule rule, Credentials credentials, boolean fromDomain, boolean secure,
                         String host, String uri, Function<String, String> header) {
        Rule.Redirect redirect = rule.redirect();
        String forwardedProto = header.apply("x-forwarded-proto");
        String proto = forwardedProto == null ? null : forwardedProto.trim().toLowerCase(Locale.ROOT);
        if (redirect != null) {
            if (fromDomain && !rule.hosts().isEmpty()) {
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
        if (credentials.required() && !auth.allows(credentials.users(), header.apply("authorization"))) {
            return new Access.Unauthorized(BasicAuth.challenge(credentials.realm()));
        }
        return new Access.Proceed();
    }
}
