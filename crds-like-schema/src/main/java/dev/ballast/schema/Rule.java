package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ballast.config.Sizes;
import java.util.List;

/**
 * One matching rule of a route (one Docker Flow destination). Field meanings are in {@code route.schema.json}.
 *
 * @param srcPort listener port the request must arrive on, or {@code null} for any
 * @param port upstream port, or {@code null} when every static endpoint carries its own
 * @param timeouts per-rule timeouts, or {@code null} for the dataplane's settings
 * @param auth basic authentication, or {@code null} for none
 * @param redirect redirects, or {@code null} for none
 * @param allowedSourceRanges the client addresses (CIDRs) the rule admits; empty admits every one
 * @param maxRequestBodySize the largest request body the rule admits (a size such as {@code 10m}), or {@code null}
 *     for the dataplane's setting
 * @param rawPath the request goes to the upstream with its path as the client sent it (it is matched normalised
 *     all the same), encoded slashes included
 */
public record Rule(List<String> paths, PathType pathType, List<String> excludePaths, List<String> hosts,
                   List<HeaderMatch> headers, List<String> userAgents, Methods methods, Integer srcPort,
                   Integer port, List<Rewrite> rewrite, HeaderOperations requestHeaders,
                   HeaderOperations responseHeaders, Timeouts timeouts, Auth auth, Redirect redirect,
                   boolean denyHttp, List<String> allowedSourceRanges, String maxRequestBodySize,
                   // left out of the JSON when false, so that snapshot versions from before it stay what they were
                   @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean rawPath) {

    public Rule {
        paths = paths == null ? List.of("/") : List.copyOf(paths);
        pathType = pathType == null ? PathType.PREFIX : pathType;
        excludePaths = copy(excludePaths);
        hosts = copy(hosts);
        headers = copy(headers);
        userAgents = copy(userAgents);
        methods = methods == null ? Methods.ANY : methods;
        rewrite = copy(rewrite);
        requestHeaders = requestHeaders == null ? HeaderOperations.NONE : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderOperations.NONE : responseHeaders;
        allowedSourceRanges = copy(allowedSourceRanges);
    }

    /** {@link #maxRequestBodySize} in bytes, or {@code null} when the rule leaves it to the dataplane. */
    public Long maxRequestBodyBytes() {
        return maxRequestBodySize == null ? null : Sizes.parse(maxRequestBodySize);
    }

    /** A prefix rule for {@code paths} to upstream {@code port}, everything else at its default. */
    public static Rule prefix(List<String> paths, Integer port) {
        return new Rule(paths, PathType.PREFIX, null, null, null, null, null, null, port, null, null, null, null,
                null, null, false, null, null, false);
    }

    private static <T> List<T> copy(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /** A request header that must be present with exactly this value (name case-insensitive). */
    public record HeaderMatch(String name, String value) {
    }

    /** A path rewrite: every match of {@code search} is replaced by {@code replace} (default: nothing). */
    public record Rewrite(String search, String replace) {
        public Rewrite {
            replace = replace == null ? "" : replace;
        }
    }

    /** Method allow and deny lists; empty lists mean "no restriction". */
    public record Methods(List<String> allow, List<String> deny) {

        public static final Methods ANY = new Methods(List.of(), List.of());

        public Methods {
            allow = copy(allow);
            deny = copy(deny);
        }
    }

    /** Per-rule timeouts; {@code null} ones take the dataplane's settings. */
    public record Timeouts(java.time.Duration server, java.time.Duration tunnel, java.time.Duration client) {
    }

    /**
     * Basic authentication. Replicas resolve it: users without a password take it from {@code usersSecret}, else
     * from the replica's global users; the secret is read by each replica, so its passwords never travel.
     *
     * @param realm shown by browsers, or {@code null} for the route name
     * @param users users allowed in (with {@code usersSecret}: only these, their passwords from the secret where they
     *     have none); empty with {@code usersSecret}: everyone in the secret
     * @param usersSecret the name of the secret {@code dfp_users_NAME} in each replica's secrets directory, or
     *     {@code null}
     * @param usersSecretHashed whether the secret's passwords are SHA-512 crypt hashes
     * @param disabled no authentication at all, not even the replica's global users
     */
    public record Auth(String realm, List<User> users, String usersSecret, boolean usersSecretHashed,
                       boolean disabled) {

        /** No authentication on the rule, not even the replica's global users ({@code com.df.ignoreAuthorization}). */
        public static final Auth DISABLED = new Auth(null, List.of(), null, false, true);

        public Auth {
            users = copy(users);
        }

        /** Users with their passwords, nothing else. */
        public Auth(String realm, List<User> users) {
            this(realm, users, null, false, false);
        }
    }

    /**
     * A basic-auth user with a clear-text password, a SHA-512 crypt hash, or (in a route, not once resolved by a
     * replica) neither: then the password comes from the rule's {@code usersSecret} or the replica's global users.
     */
    public record User(String name, String password, String passwordHash) {

        /** Whether the password comes from elsewhere (see the record's documentation). */
        public boolean lacksPassword() {
            return password == null && passwordHash == null;
        }

        @Override
        public String toString() {
            // Never print secrets into logs or test output.
            return "User[name=" + name + ", password=" + (password == null ? "none" : "***")
                    + ", passwordHash=" + (passwordHash == null ? "none" : "***") + "]";
        }
    }

    /** Redirects answered by the proxy itself. */
    public record Redirect(boolean httpsOnly, Integer code, boolean whenForwardedProtoHttp,
                           boolean unlessForwardedProtoHttps, List<String> fromDomains, Integer fromDomainsCode) {

        public Redirect {
            code = code == null ? 302 : code;
            fromDomains = copy(fromDomains);
            fromDomainsCode = fromDomainsCode == null ? 301 : fromDomainsCode;
        }
    }
}
