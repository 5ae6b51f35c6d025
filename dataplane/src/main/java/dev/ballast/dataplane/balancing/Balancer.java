package dev.ballast.dataplane.balancing;

import dev.ballast.schema.LoadBalancing;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.function.LongSupplier;

/**
 * Picks one upstream among the available ones. Implementations are thread-safe and never block.
 */
public interface Balancer {

    /** One of {@code available} (never empty). */
    Upstream pick(List<Upstream> available);

    /**
     * The balancer for a policy.
     *
     * @param random {@code bound → [0, bound)}, e.g. {@code ThreadLocalRandom.current()::nextInt}
     * @param clock nanoseconds, e.g. {@code System::nanoTime}
     */
    static Balancer of(LoadBalancing.Policy policy, IntUnaryOperator random, LongSupplier clock) {
        return switch (policy) {
            case ROUND_ROBIN -> new RoundRobin();
            case LEAST_REQUEST -> new PowerOfTwo(random, (u, now) -> u.inFlight(), Evenness.EXACT,
                    (u, now) -> 0, Evenness.EXACT, clock);
            case PEAK_EWMA -> new PowerOfTwo(random, Upstream::load, Evenness.BUSY_COST,
                    Upstream::quietLatencyNanos, Evenness.QUIET_LATENCY, clock);
        };
    }

    /** Each in turn. */
    final class RoundRobin implements Balancer {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Upstream pick(List<Upstream> available) {
            return available.get(Math.floorMod(next.getAndIncrement(), available.size()));
        }
    }

    /**
     * When two costs count as even: the dearer is at most {@code absolute} or {@code relative} times the cheaper
     * above it, whichever allows more.
     */
    record Evenness(double absolute, double relative) {

        /** Only equal costs are even (in-flight counts). */
        static final Evenness EXACT = new Evenness(0, 0);

        /**
         * Latencies with nothing in flight (as read at low load, {@link Upstream#quietLatencyNanos}): within 20 ms or
         * half the cheaper one. At low load a request waits on no queue whichever endpoint it goes to, and
         * differences this small are jitter; an endpoint more than 20 ms and 1.5 times slower than the fastest (one
         * that just failed, say) is still left out.
         */
        static final Evenness QUIET_LATENCY = new Evenness(20_000_000, 0.5);

        /** Latency times queue under load: within 10 %. */
        static final Evenness BUSY_COST = new Evenness(0, 0.1);

        boolean even(double cheaper, double dearer) {
            return dearer - cheaper <= Math.max(absolute, relative * cheaper);
        }
    }

    /**
     * Power of two choices by a cost, spreading in turn while the upstreams are idle.
     *
     * <ul>
     *   <li>Under load (a request in flight to some available upstream): two distinct upstreams at random, the one
     *   with the lower {@code busyCost} wins; costs even within {@code busy}, the one picked less recently. Nearly
     *   as good as scanning all of them, O(1), and without the herding a global minimum causes.</li>
     *   <li>Idle (nothing in flight to any of them, e.g. sequential requests): the least recently picked among those
     *   whose {@code quietCost} is even with the cheapest's within {@code quiet}. Two random candidates cannot
     *   guarantee that sequential requests visit every endpoint in turn; this does, as Swarm's VIP and round robin
     *   do, while an endpoint measured as clearly slower is still left out. It reads every upstream (O(n)), but only
     *   while none is busy, that is when there is no load to pay for it; the check for it stops at the first busy
     *   upstream.</li>
     * </ul>
     *
     * <p>Thread-safe and lock-free but for the upstreams' own short locks: event loops picking at the same instant
     * may pick the same idle upstream, which merely makes it busy.
     */
    final class PowerOfTwo implements Balancer {

        /** The cost of an upstream at a time; lower is better. */
        @FunctionalInterface
        interface Cost {
            double of(Upstream upstream, long nowNanos);
        }

        private final IntUnaryOperator random;
        private final Cost busyCost;
        private final Evenness busy;
        private final Cost quietCost;
        private final Evenness quiet;
        private final LongSupplier clock;

        PowerOfTwo(IntUnaryOperator random, Cost busyCost, Evenness busy, Cost quietCost, Evenness quiet,
                   LongSupplier clock) {
            this.random = random;
            this.busyCost = busyCost;
            this.busy = busy;
            this.quietCost = quietCost;
            this.quiet = quiet;
            this.clock = clock;
        }

        @Override
        public Upstream pick(List<Upstream> available) {
            long now = clock.getAsLong();
            int n = available.size();
            Upstream chosen = n == 1 ? available.get(0)
                    : idle(available) ? leastRecentOfCheapest(available, now)
                    : twoChoices(available, n, now);
            chosen.picked(now);
            return chosen;
        }

        /** Whether no request is in flight to any of them. */
        private static boolean idle(List<Upstream> available) {
            for (int i = 0, n = available.size(); i < n; i++) {
                if (available.get(i).inFlight() > 0) {
                    return false;
                }
            }
            return true;
        }

        /** Of those whose cost is even with the cheapest's, the one picked least recently (the first one of equals). */
        private Upstream leastRecentOfCheapest(List<Upstream> available, long now) {
            int n = available.size();
            double[] costs = new double[n];
            double cheapest = Double.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                costs[i] = quietCost.of(available.get(i), now);
                cheapest = Math.min(cheapest, costs[i]);
            }
            Upstream chosen = null;
            for (int i = 0; i < n; i++) {
                Upstream u = available.get(i);
                if (quiet.even(cheapest, costs[i]) && (chosen == null || u.pickedBefore(chosen))) {
                    chosen = u;
                }
            }
            return chosen;
        }

        private Upstream twoChoices(List<Upstream> available, int n, long now) {
            int a = random.applyAsInt(n);
            int b = random.applyAsInt(n - 1);
            if (b >= a) {
                b++; // two distinct indexes, uniformly
            }
            Upstream first = available.get(a);
            Upstream second = available.get(b);
            double firstCost = busyCost.of(first, now);
            double secondCost = busyCost.of(second, now);
            if (firstCost <= secondCost ? busy.even(firstCost, secondCost) : busy.even(secondCost, firstCost)) {
                return second.pickedBefore(first) ? second : first;
            }
            return secondCost < firstCost ? second : first;
        }
    }
}
