/**
 * Choosing an upstream for each request: the per-endpoint state ({@link dev.ballast.dataplane.balancing.Upstream}:
 * in-flight requests, peak-EWMA latency, failures, when it was last picked), the policies (round robin, least request
 * and peak-EWMA, the last two as power of two choices under load and in turn while idle), and passive outlier
 * ejection. Pure logic with an injected clock and random source, so the behaviour is tested without sockets or
 * sleeps; the proxy calls {@code start}/{@code end} around each exchange.
 */
package dev.ballast.dataplane.balancing;
