package dev.ballast.dataplane.routing;

import dev.ballast.dataplane.access.Credentials;
import dev.ballast.dataplane.exchange.TargetRewrite;
import dev.ballast.dataplane.limits.RuleLimits;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.PathType;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One (host, path) pair of a rule, compiled: a rule with two hosts and three paths becomes six entries, so each has
 * an exact specificity. A host of the rule's {@code redirect.fromDomains} makes entries too, marked
 * {@link #fromDomain}: they match like the others and answer with the redirect. Immutable.
 */
final class RuleEntry {

    /** Host specificity: exact names over wildcards over none. */
    static final int EXACT_HOST = 2;
    static final int WILDCARD_HOST = 1;
    static final int ANY_HOST = 0;

    private static final List<String> STANDARD_METHODS =
            List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    /** Within a bucket, among entries of equal path specificity: route name, then rule position. */
    static final Comparator<RuleEntry> TIE_BREAK =
            Comparator.comparing((RuleEntry e) -> e.route.name()).thenComparingInt(e -> e.ruleIndex);

    /**
     * Specificity, most specific first: exact host over wildcard over none, a longer wildcard suffix first, a rule's
     * own host before the same host as another rule's {@code fromDomains}, then the longer path (an exact path before a prefix of the same length, regular expressions last), then the tie-break.
     * Inside a host bucket the trie and the exact-path map produce this order by construction; routes with an
     * explicit order are sorted by it after their order.
     */
    static final Comparator<RuleEntry> SPECIFICITY = Comparator.comparingInt((RuleEntry e) -> -e.hostClass)
            .thenComparingInt(e -> e.hostClass == WILDCARD_HOST ? -e.host.length() : 0)
            .thenComparing(e -> e.fromDomain) // a rule's own host before another's old one
            .thenComparingInt(e -> -e.pathRank())
            .thenComparing(TIE_BREAK);

    final Route route;
    final Rule rule;
    final int ruleIndex;
    /** Whether {@link #host} is one of the rule's {@code redirect.fromDomains}, not one of its hosts. */
    final boolean fromDomain;
    final int hostClass;
    /** The exact host, or the wildcard's suffix without {@code *.}, lower case; empty for any host. */
    final String host;
    final String path;
    final Pattern regex;
    private final List<String> excludes;
    private final List<Rule.HeaderMatch> headers;
    private final List<String> userAgents;
    private final Set<String> allow;
    private final Set<String> deny;
    private final Integer srcPort;
    /** What a request this entry takes is matched to (its endpoints, rewrite, limits, credentials): made once. */
    final Match.Matched matched;

    RuleEntry(Route route, Rule rule, int ruleIndex, Endpoints endpoints, TargetRewrite rewrite, RuleLimits limits,
              Credentials credentials, boolean fromDomain, String host, String path) {
        this.route = route;
        this.rule = rule;
        this.ruleIndex = ruleIndex;
        this.fromDomain = fromDomain;
        String h = host.toLowerCase(Locale.ROOT);
        this.hostClass = h.isEmpty() ? ANY_HOST : h.startsWith("*.") ? WILDCARD_HOST : EXACT_HOST;
        this.host = h.startsWith("*.") ? h.substring(2) : h;
        this.path = path;
        this.regex = rule.pathType() == PathType.REGEX ? Pattern.compile(path) : null;
        this.excludes = rule.excludePaths();
        this.headers = rule.headers().stream()
                .map(m -> new Rule.HeaderMatch(m.name().toLowerCase(Locale.ROOT), m.value())).toList();
        this.userAgents = rule.userAgents().stream().map(u -> u.toLowerCase(Locale.ROOT)).toList();
        this.allow = Set.copyOf(rule.methods().allow());
        this.deny = Set.copyOf(rule.methods().deny());
        this.srcPort = rule.srcPort();
        this.matched = new Match.Matched(route, rule, endpoints, rewrite, limits, credentials, fromDomain);
    }

    PathType pathType() {
        return rule.pathType();
    }

    /** Longer paths rank higher, an exact path just above a prefix of the same length, regexes lowest. */
    int pathRank() {
        return switch (rule.pathType()) {
            case EXACT -> path.length() * 2 + 1;
            case PREFIX -> path.length() * 2;
            case REGEX -> -1;
        };
    }

    boolean hostMatches(String requestHost) {
        return switch (hostClass) {
            case EXACT_HOST -> host.equals(requestHost);
            case WILDCARD_HOST -> requestHost.length() > host.length() + 1 && requestHost.endsWith(host)
                    && requestHost.charAt(requestHost.length() - host.length() - 1) == '.';
            default -> true;
        };
    }

    boolean pathMatches(String requestPath) {
        return switch (rule.pathType()) {
            case EXACT -> requestPath.equals(path);
            case PREFIX -> requestPath.startsWith(path);
            case REGEX -> regex.matcher(requestPath).find();
        };
    }

    /** Listener port, excluded paths, headers and user agents: everything but host, path and method. */
    boolean conditionsHold(RequestFacts request) {
        if (srcPort != null && srcPort != request.listenerPort()) {
            return false;
        }
        for (String exclude : excludes) {
            if (request.path().startsWith(exclude)) {
                return false;
            }
        }
        for (Rule.HeaderMatch h : headers) {
            if (!h.value().equals(request.header().apply(h.name()))) {
                return false;
            }
        }
        if (!userAgents.isEmpty()) {
            String agent = request.header().apply("user-agent");
            if (agent == null) {
                return false;
            }
            String lower = agent.toLowerCase(Locale.ROOT);
            return userAgents.stream().anyMatch(lower::contains);
        }
        return true;
    }

    /** Whether the method filter refuses {@code method}. */
    boolean refuses(String method) {
        return (!allow.isEmpty() && !allow.contains(method)) || deny.contains(method);
    }

    /** The methods to list in {@code Allow} when refusing. */
    List<String> allowed() {
        List<String> out = new ArrayList<>(allow.isEmpty() ? STANDARD_METHODS : rule.methods().allow());
        out.removeAll(deny);
        return out;
    }
}
