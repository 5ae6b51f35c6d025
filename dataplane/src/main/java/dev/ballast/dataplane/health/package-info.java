/**
 * Active health checks: each endpoint of a route with a {@code healthCheck} is asked {@code GET path} every interval,
 * off the event loops, and one that fails its threshold in a row gets no traffic until it passes again.
 */
package dev.ballast.dataplane.health;
