package dev.ballast.dataplane.balancing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.LoadBalancing;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/** Policies under a simulated load with a virtual clock: what share of requests each upstream gets. */
class BalancerTest {

    private static final long MS = 1_000_000L;

    /** A request in flight, completing at {@code at}. */
    private record Completion(long at, long started, Upstream upstream, boolean failed) {
    }

    /**
     * Sends {@code requests} requests, one every {@code gapNanos}, through the policy; {@code latency} and
     * {@code fails} say how each upstream behaves. Returns the share of requests each upstream got.
     */
    static Map<String, Double> simulate(LoadBalancing.Policy policy, List<Upstream> upstreams, int requests,
                                        long gapNanos, ToLongFunction<Upstream> latency, java.util.function.Predicate<Upstream> fails) {
        Random random = new Random(42);
        long[] clock = {0};
        Balancer balancer = Balancer.of(policy, random::nextInt, () -> clock[0]);
        PriorityQueue<Completion> inFlight = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            clock[0] += gapNanos;
            while (!inFlight.isEmpty() && inFlight.peek().at() <= clock[0]) {
                Completion done = inFlight.poll();
                done.upstream().end(done.at(), done.at() - done.started(), done.failed());
            }
            Upstream picked = balancer.pick(upstreams);
            picked.start();
            inFlight.add(new Completion(clock[0] + latency.applyAsLong(picked), clock[0], picked, fails.test(picked)));
            counts.merge(picked.address(), 1, Integer::sum);
        }
        Map<String, Double> shares = new HashMap<>();
        counts.forEach((address, n) -> shares.put(address, n / (double) requests));
        upstreams.forEach(u -> shares.putIfAbsent(u.address(), 0.0));
        return shares;
    }

    private static List<Upstream> three() {
        return List.of(new Upstream("a", Upstream.Tuning.DEFAULT), new Upstream("b", Upstream.Tuning.DEFAULT),
                new Upstream("slow", Upstream.Tuning.DEFAULT));
    }

    @Test
    void roundRobinSpreadsEvenly() {
        Map<String, Double> shares = simulate(LoadBalancing.Policy.ROUND_ROBIN, three(), 9000, 2 * MS, u -> 10 * MS, u -> false);
        assertThat(shares.values()).allSatisfy(s -> assertThat(s).isCloseTo(1 / 3.0, org.assertj.core.data.Offset.offset(0.001)));
    }

    @Test
    void leastRequestAndPeakEwmaSpreadEvenlyOverEqualUpstreams() {
        for (LoadBalancing.Policy policy : List.of(LoadBalancing.Policy.LEAST_REQUEST, LoadBalancing.Policy.PEAK_EWMA)) {
            Map<String, Double> shares = simulate(policy, three(), 30000, 2 * MS, u -> 10 * MS, u -> false);
            assertThat(shares.values()).as(policy.name())
                    .allSatisfy(s -> assertThat(s).isBetween(0.25, 0.42));
        }
    }

    @Test
    void aSlowUpstreamGetsFarLessTrafficUnderPeakEwmaThanUnderRoundRobin() {
        ToLongFunction<Upstream> latency = u -> u.address().equals("slow") ? 200 * MS : 10 * MS;
        double roundRobin = simulate(LoadBalancing.Policy.ROUND_ROBIN, three(), 10000, 2 * MS, latency, u -> false).get("slow");
        double peakEwma = simulate(LoadBalancing.Policy.PEAK_EWMA, three(), 10000, 2 * MS, latency, u -> false).get("slow");
        assertThat(roundRobin).isCloseTo(1 / 3.0, org.assertj.core.data.Offset.offset(0.001));
        assertThat(peakEwma).as("share of the slow upstream under PeakEwma").isLessThan(0.05);
    }

    @Test
    void aFastFailingUpstreamDoesNotLookGood() {
        // It answers in 1 ms, but with errors: by latency and queue length alone it would look like the best one.
        ToLongFunction<Upstream> latency = u -> u.address().equals("slow") ? MS : 20 * MS;
        java.util.function.Predicate<Upstream> fails = u -> u.address().equals("slow");
        double leastRequest = simulate(LoadBalancing.Policy.LEAST_REQUEST, three(), 10000, 2 * MS, latency, fails).get("slow");
        double peakEwma = simulate(LoadBalancing.Policy.PEAK_EWMA, three(), 10000, 2 * MS, latency, fails).get("slow");
        assertThat(leastRequest).as("least request is fooled").isGreaterThan(0.4);
        assertThat(peakEwma).as("peak EWMA counts failures in the cost").isLessThan(0.05);
    }

    @Test
    void theEstimateJumpsUpAndDecaysDown() {
        Upstream u = new Upstream("x", Upstream.Tuning.DEFAULT);
        assertThat(u.latencyNanos(0)).as("unseen: 30 ms").isEqualTo(30 * MS);
        u.observe(0, 10 * MS);
        u.observe(MS, 100 * MS);
        assertThat(u.latencyNanos(MS)).as("a peak is taken at once").isEqualTo(100 * MS);
        assertThat(u.latencyNanos(MS + 10_000 * MS)).as("one τ later, 1/e of it")
                .isCloseTo(100 * MS / Math.E, org.assertj.core.data.Offset.offset(1e3));
        u.start();
        u.start();
        assertThat(u.load(MS)).isEqualTo(100.0 * MS * 3);
    }

    @Test
    void powerOfTwoAlwaysPicksAnAvailableUpstream() {
        Random random = new Random(1);
        Balancer p2c = Balancer.of(LoadBalancing.Policy.PEAK_EWMA, random::nextInt, () -> 0L);
        List<Upstream> one = List.of(new Upstream("only", Upstream.Tuning.DEFAULT));
        assertThat(p2c.pick(one).address()).isEqualTo("only");
        List<Upstream> two = three().subList(0, 2);
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            seen.merge(p2c.pick(two).address(), 1, Integer::sum);
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrder("a", "b");
    }
}
