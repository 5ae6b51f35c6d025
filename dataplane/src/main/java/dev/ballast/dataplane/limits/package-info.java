/**
 * What a replica admits: per-rule source ranges and body sizes ({@link dev.ballast.dataplane.limits.RuleLimits},
 * compiled with the routing table), per-route rate limits by client address
 * ({@link dev.ballast.dataplane.limits.RateLimiter}), connections per listener and per client address
 * ({@link dev.ballast.dataplane.limits.ConnectionLimits}), and the reasons a refusal is counted and logged under
 * ({@link dev.ballast.dataplane.limits.Refusal}). Every limit is the replica's own: nothing is shared between replicas.
 */
package dev.ballast.dataplane.limits;
