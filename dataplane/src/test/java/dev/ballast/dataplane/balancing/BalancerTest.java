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
        assertThat(u.latencyNanos(0)).as("unseen: no estimate").isZero();
        u.observe(0, 10 * MS);
        u.observe(MS, 100 * MS);
        assertThat(u.latencyNanos(MS)).as("a peak is taken at once").isEqualTo(100 * MS);
        assertThat(u.latencyNanos(MS + 10_000 * MS)).as("one τ later, 1/e of it")
                .isCloseTo(100 * MS / Math.E, org.assertj.core.data.Offset.offset(1e3));
        assertThat(u.quietLatencyNanos(MS + 1_000 * MS)).as("read at low load: 1/e of it one second later")
                .isCloseTo(100 * MS / Math.E, org.assertj.core.data.Offset.offset(1e3));
        u.observe(MS + 10_000 * MS, 50 * MS);
        assertThat(u.latencyNanos(MS + 10_000 * MS)).as("above the decayed estimate: a new peak").isEqualTo(50 * MS);
        u.start();
        u.start();
        assertThat(u.load(MS + 10_000 * MS)).isEqualTo(50.0 * MS * 3);
    }

    @Test
    void anUnseenUpstreamIsTriedButNotFloodedBeforeItAnswers() {
        Upstream fresh = new Upstream("new", Upstream.Tuning.DEFAULT);
        assertThat(fresh.load(0)).as("nothing in flight: costs nothing, so it is tried").isZero();
        fresh.start();
        assertThat(fresh.load(0)).as("its first answer awaited: 30 ms per request").isEqualTo(2 * 30.0 * MS);
        fresh.start();
        assertThat(fresh.load(0)).isEqualTo(3 * 30.0 * MS);
        fresh.end(5 * MS, 5 * MS, false);
        assertThat(fresh.load(5 * MS)).as("answered: its own latency from now on").isEqualTo(2 * 5.0 * MS);
    }

    @Test
    void evenness() {
        Balancer.Evenness quiet = Balancer.Evenness.QUIET_LATENCY;
        assertThat(quiet.even(2 * MS, 22 * MS)).as("within 20 ms").isTrue();
        assertThat(quiet.even(2 * MS, 23 * MS)).isFalse();
        assertThat(quiet.even(100 * MS, 150 * MS)).as("within half the cheaper").isTrue();
        assertThat(quiet.even(100 * MS, 151 * MS)).isFalse();
        Balancer.Evenness busy = Balancer.Evenness.BUSY_COST;
        assertThat(busy.even(100, 110)).as("within 10 %").isTrue();
        assertThat(busy.even(100, 111)).isFalse();
        assertThat(Balancer.Evenness.EXACT.even(3, 3)).isTrue();
        assertThat(Balancer.Evenness.EXACT.even(3, 4)).isFalse();
    }

    /** A balancer under test: a clock the test moves, and random draws the test can script. */
    static final class Rig {
        final long[] clock = {0};
        final java.util.ArrayDeque<Integer> draws = new java.util.ArrayDeque<>();
        final Random random = new Random(7);
        final Balancer balancer;

        Rig(LoadBalancing.Policy policy) {
            balancer = Balancer.of(policy, bound -> draws.isEmpty() ? random.nextInt(bound) : draws.poll(),
                    () -> clock[0]);
        }

        /** One request on its own, 100 ms after the previous one ended: picked, and answered after {@code rttNanos}. */
        Upstream sequential(List<Upstream> upstreams, long rttNanos) {
            return sequential(upstreams, u -> rttNanos);
        }

        Upstream sequential(List<Upstream> upstreams, java.util.function.ToLongFunction<Upstream> rtt) {
            clock[0] += 100 * MS;
            Upstream picked = balancer.pick(upstreams);
            picked.start();
            long took = rtt.applyAsLong(picked);
            clock[0] += took;
            picked.end(clock[0], took, false);
            return picked;
        }
    }

    static List<Upstream> named(String... names) {
        return java.util.Arrays.stream(names).map(n -> new Upstream(n, Upstream.Tuning.DEFAULT)).toList();
    }

    @Test
    void sequentialRequestsVisitEveryUpstreamInTurn() {
        for (LoadBalancing.Policy policy : List.of(LoadBalancing.Policy.PEAK_EWMA, LoadBalancing.Policy.LEAST_REQUEST)) {
            Rig rig = new Rig(policy);
            List<Upstream> five = named("a", "b", "c", "d", "e");
            Random jitter = new Random(3);
            List<String> picked = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                // equally fast, with the jitter of a real network: 1 to 9 ms
                picked.add(rig.sequential(five, (1 + jitter.nextInt(9)) * MS).address());
            }
            for (int i = 0; i + 5 <= picked.size(); i++) {
                assertThat(picked.subList(i, i + 5)).as(policy + ": requests %d to %d of %s", i, i + 4, picked)
                        .containsExactlyInAnyOrder("a", "b", "c", "d", "e");
            }
        }
    }

    @Test
    void newUpstreamsGetTheNextRequests() {
        Rig rig = new Rig(LoadBalancing.Policy.PEAK_EWMA);
        List<Upstream> three = named("a", "b", "c");
        for (int i = 0; i < 9; i++) {
            rig.sequential(three, 2 * MS);
        }
        List<Upstream> five = new java.util.ArrayList<>(three);
        five.addAll(named("d", "e"));
        assertThat(List.of(rig.sequential(five, 2 * MS).address(), rig.sequential(five, 2 * MS).address()))
                .as("scaled from 3 to 5: the new ones first").containsExactlyInAnyOrder("d", "e");
        List<String> next = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            next.add(rig.sequential(five, 2 * MS).address());
        }
        assertThat(next).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
    }

    @Test
    void underLoadAnUnseenUpstreamWinsItsDrawUntilItsFirstRequestIsOut() {
        Rig rig = new Rig(LoadBalancing.Policy.PEAK_EWMA);
        List<Upstream> upstreams = named("a", "b", "new");
        Upstream a = upstreams.get(0);
        Upstream b = upstreams.get(1);
        Upstream fresh = upstreams.get(2);
        a.observe(0, 5 * MS);
        b.observe(0, 5 * MS);
        a.start(); // busy: the P2C path
        rig.draws.addAll(List.of(0, 1)); // a and new
        assertThat(rig.balancer.pick(upstreams)).isSameAs(fresh);
        fresh.start();
        rig.draws.addAll(List.of(2, 1)); // new and b: new awaits its first answer (60 ms), b costs 5 ms
        assertThat(rig.balancer.pick(upstreams)).isSameAs(b);
    }

    @Test
    void underLoadEvenCostsGoToTheLeastRecentlyPicked() {
        Rig rig = new Rig(LoadBalancing.Policy.PEAK_EWMA);
        List<Upstream> upstreams = named("a", "b", "c");
        for (Upstream u : upstreams) {
            u.observe(0, 10 * MS);
            u.start(); // one in flight each: the P2C path, all even
        }
        List<String> picked = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rig.clock[0] += MS;
            rig.draws.addAll(List.of(0, 0)); // always a and b, in that order
            picked.add(rig.balancer.pick(upstreams).address());
        }
        assertThat(picked).as("a and b in turn, not the first drawn each time")
                .containsExactly("a", "b", "a", "b", "a", "b");
    }

    @Test
    void atLowLoadAClearlySlowerUpstreamIsLeftOutUntilItsPeakFades() {
        Rig rig = new Rig(LoadBalancing.Policy.PEAK_EWMA);
        List<Upstream> upstreams = named("a", "b", "slow");
        java.util.function.ToLongFunction<Upstream> rtt = u -> u.address().equals("slow") ? 300 * MS : 2 * MS;
        List<String> first = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            first.add(rig.sequential(upstreams, rtt).address());
        }
        assertThat(first).as("each is tried once").containsExactlyInAnyOrder("a", "b", "slow");
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 20; i++) { // the next 2 s
            counts.merge(rig.sequential(upstreams, rtt).address(), 1, Integer::sum);
        }
        assertThat(counts).as("300 ms against 2 ms: left out").doesNotContainKey("slow");
        assertThat(counts.get("a")).as("a and b in turn").isEqualTo(10);
        for (int i = 0; i < 20; i++) { // 2 s more: its peak has faded at low load, it is measured again
            counts.merge(rig.sequential(upstreams, rtt).address(), 1, Integer::sum);
        }
        assertThat(counts.get("slow")).as("tried again once its estimate faded, then left out again").isEqualTo(1);
    }

    @Test
    void atLowLoadAFailingUpstreamIsLeftOut() {
        Rig rig = new Rig(LoadBalancing.Policy.PEAK_EWMA);
        List<Upstream> upstreams = named("a", "b", "failing");
        for (int i = 0; i < 3; i++) {
            rig.sequential(upstreams, 2 * MS);
        }
        upstreams.get(2).start();
        upstreams.get(2).end(rig.clock[0], MS, true); // refused at once: counts as 1 s
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            counts.merge(rig.sequential(upstreams, 2 * MS).address(), 1, Integer::sum);
        }
        assertThat(counts).doesNotContainKey("failing");
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
