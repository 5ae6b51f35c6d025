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
            case LEAST_REQUEST -> new PowerOfTwo(random, (u, now) -> u.inFlight());
            case PEAK_EWMA -> new PowerOfTwo(random, Upstream::load, clock);
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
     * Power of two choices: two distinct upstreams at random, the one with the lower cost wins (ties: the first drawn).
     * Nearly as good as scanning all of them, O(1), and without the herding a global minimum causes.
     */
    final class PowerOfTwo implements Balancer {

        /** The cost of an upstream at a time; lower is better. */
        @FunctionalInterface
        interface Cost {
            double of(Upstream upstream, long nowNanos);
        }

        private final IntUnaryOperator random;
        private final Cost cost;
        private final LongSupplier clock;

        PowerOfTwo(IntUnaryOperator random, Cost cost) {
            this(random, cost, () -> 0L);
        }

        PowerOfTwo(IntUnaryOperator random, Cost cost, LongSupplier clock) {
            this.random = random;
            this.cost = cost;
            this.clock = clock;
        }

        @Override
        public Upstream pick(List<Upstream> available) {
            int n = available.size();
            if (n == 1) {
                return available.get(0);
            }
            int a = random.applyAsInt(n);
            int b = random.applyAsInt(n - 1);
            if (b >= a) {
                b++; // two distinct indexes, uniformly
            }
            long now = clock.getAsLong();
            Upstream first = available.get(a);
            Upstream second = available.get(b);
            return cost.of(second, now) < cost.of(first, now) ? second : first;
        }
    }
}
