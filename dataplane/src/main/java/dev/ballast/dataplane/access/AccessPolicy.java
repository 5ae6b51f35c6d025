package dev.ballast.dataplane.access;

import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import java.util.Locale;
import java.util.function.Function;

/**
 * The redirects, refusals and authentication a rule asks for, in this order: redirects from old domains, redirects to
 * https ({@code httpsOnly}, {@code whenForwardedProtoHttp}, {@code unlessForwardedProtoHttps}), {@code denyHttp}, then
 * basic authentication. {@code httpsOnly} and {@code denyHttp} go by the scheme the client used: the connection's own,
 * or what a trusted proxy in front says in {@code X-Forwarded-Proto}. The two forwarded-proto redirects read that
 * header on a plain connection whoever sent it, as Docker Flow Proxy did: they exist for a TLS-terminating balancer in
 * front, and a client that lies about it only spares itself a redirect. Redirecting first means credentials are never
 * asked for over plain HTTP when the rule wants https.
 */
public final class AccessPolicy {

    private final BasicAuth auth;

    public AccessPolicy(BasicAuth auth) {
        this.auth = auth;
    }

    /**
     * @param credentials who the rule lets in, as the replica resolved them ({@link UserDirectory})
     * @param fromDomain whether the request's host is one of the rule's {@code redirect.fromDomains}
     * @param scheme {@code https} or {@code http}: how the client reached the proxy (or the trusted proxy in front)
     * @param host the {@code Host} header
     * @param uri the request target (path and query), kept in redirects
     * @param header a request header by lower-case name, or {@code null}
     */
    public Access decide(Route route, Rule rule, Credentials credentials, boolean fromDomain, String scheme,
                         String host, String uri, Function<String, String> header) {
        Rule.Redirect redirect = rule.redirect();
        boolean https = scheme.equals("https");
        if (redirect != null) {
            if (fromDomain && !rule.hosts().isEmpty()) {
                return new Access.Redirect(redirect.fromDomainsCode(), scheme + "://" + rule.hosts().get(0) + uri);
            }
            String forwardedProto = https ? "https" : firstForwardedProto(header.apply("x-forwarded-proto"));
            boolean toHttps = !https && (redirect.httpsOnly()
                    || redirect.whenForwardedProtoHttp() && forwardedProto.equals("http")
                    || redirect.unlessForwardedProtoHttps() && !forwardedProto.equals("https"));
            if (toHttps) {
                return new Access.Redirect(redirect.code(), "https://" + (host == null ? "" : host) + uri);
            }
        }
        if (rule.denyHttp() && !https) {
            return new Access.Forbidden("route " + route.name() + " accepts HTTPS only");
        }
        if (credentials.required() && !auth.allows(credentials.users(), header.apply("authorization"))) {
            return new Access.Unauthorized(BasicAuth.challenge(credentials.realm()));
        }
        return new Access.Proceed();
    }

    /** The first (outermost) value of {@code X-Forwarded-Proto}, lower-case; empty when there is none. */
    private static String firstForwardedProto(String value) {
        if (value == null) {
            return "";
        }
        int comma = value.indexOf(',');
        return (comma < 0 ? value : value.substring(0, comma)).trim().toLowerCase(Locale.ROOT);
    }
}
