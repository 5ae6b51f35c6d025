package dev.ballast.dataplane.limits;

import dev.ballast.config.Cidr;
import dev.ballast.schema.Rule;
import java.net.InetAddress;
import java.util.List;

/**
 * A rule's admission limits, compiled once with the routing table: the client addresses it admits and the largest
 * request body it takes. Immutable.
 *
 * @param sources the ranges a client must be in; empty admits every address
 * @param maxBodyBytes the rule's own maximum body size, or -1 to take the replica's
 */
public record RuleLimits(List<Cidr> sources, long maxBodyBytes) {

    /** No ranges, the replica's body size. */
    public static final RuleLimits NONE = new RuleLimits(List.of(), -1);

    public RuleLimits {
        sources = List.copyOf(sources);
    }

    /** The rule's limits; the route passed validation, so its ranges and size parse. */
    public static RuleLimits compile(Rule rule) {
        if (rule.allowedSourceRanges().isEmpty() && rule.maxRequestBodySize() == null) {
            return NONE;
        }
        Long max = rule.maxRequestBodyBytes();
        return new RuleLimits(rule.allowedSourceRanges().stream().map(Cidr::parse).toList(), max == null ? -1 : max);
    }

    /** Whether a client at {@code address} (null when it could not be read) may use the rule. */
    public boolean admits(InetAddress address) {
        if (sources.isEmpty()) {
            return true;
        }
        if (address == null) {
            return false;
        }
        for (Cidr range : sources) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The largest body the rule takes: its own maximum, else {@code replicaMax} (0: no limit). */
    public long maxBodyBytes(long replicaMax) {
        return maxBodyBytes >= 0 ? maxBodyBytes : replicaMax;
    }
}
