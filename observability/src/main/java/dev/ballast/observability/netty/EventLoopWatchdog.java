package dev.ballast.observability.netty;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tells whether the event loops of a group still run their tasks. A loop held by a handler that blocks (or spins)
 * serves none of its connections, yet the process looks alive; {@code /healthz} uses this to say so.
 *
 * <p>Every {@code interval}, from a thread of its own, it posts a heartbeat task to each loop that has none waiting.
 * A loop's lag is how long its heartbeat has been waiting (or, when none is, how long the last one waited): a loop is
 * stalled when its lag exceeds {@code limit}. The heartbeats cost one tiny task per loop per interval.
 */
public final class EventLoopWatchdog implements AutoCloseable {

    /**
     * For {@code /healthz}: a stall is a loop that has run nothing for 2 s, far beyond any task a proxy runs and any
     * GC pause a 256 MiB heap makes, and well within Docker's 3 s health-check timeout. Looked at 4 times a second.
     */
    public static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    public static final Duration PROBE_LIMIT = Duration.ofSeconds(2);

    /** One loop as last seen: its index in the group and its lag. */
    public record LoopState(int loop, Duration lag, boolean stalled) {
    }

    private final List<Heartbeat> loops = new ArrayList<>();
    private final Duration limit;
    private final ScheduledExecutorService timer;

    public EventLoopWatchdog(EventExecutorGroup group, Duration interval, Duration limit) {
        this.limit = limit;
        for (EventExecutor loop : group) {
            loops.add(new Heartbeat(loop));
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ballast-loop-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::beat, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void beat() {
        for (Heartbeat loop : loops) {
            loop.post();
        }
    }

    /** Each loop, in the group's order. */
    public List<LoopState> loops() {
        long now = System.nanoTime();
        List<LoopState> out = new ArrayList<>(loops.size());
        for (int i = 0; i < loops.size(); i++) {
            Duration lag = Duration.ofNanos(loops.get(i).lagNanos(now));
            out.add(new LoopState(i, lag, lag.compareTo(limit) > 0));
        }
        return out;
    }

    /** Whether every loop ran its last heartbeat within the limit. */
    public boolean responsive() {
        return loops().stream().noneMatch(LoopState::stalled);
    }

    /**
     * What {@code /healthz} says: whether every loop is responsive, and the body that says so — {@code status}
     * ({@code ok} or {@code stalled}), each loop's lag in milliseconds and, when some loop is stalled, {@code reasons}
     * naming it. Both from one look at the loops.
     */
    public record Health(boolean ok, Map<String, Object> body) {
    }

    public Health health() {
        List<LoopState> states = loops();
        List<String> reasons = new ArrayList<>();
        List<Map<String, Object>> each = new ArrayList<>();
        for (LoopState state : states) {
            Map<String, Object> loop = new LinkedHashMap<>();
            loop.put("loop", state.loop());
            loop.put("lagMs", state.lag().toMillis());
            loop.put("stalled", state.stalled());
            each.add(loop);
            if (state.stalled()) {
                reasons.add("event loop " + state.loop() + " has run no task for " + state.lag().toMillis()
                        + " ms (limit " + limit.toMillis() + " ms): something blocks it");
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", reasons.isEmpty() ? "ok" : "stalled");
        if (!reasons.isEmpty()) {
            body.put("reasons", reasons);
        }
        body.put("eventLoops", each);
        return new Health(reasons.isEmpty(), body);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One loop's heartbeat: when the one waiting was posted (0 when none is), and how long the last one waited. */
    private static final class Heartbeat {
        private final EventExecutor loop;
        private volatile long postedAt;
        private volatile long lastLag;

        Heartbeat(EventExecutor loop) {
            this.loop = loop;
        }

        void post() {
            if (postedAt != 0 || loop.isShuttingDown()) {
                return; // the last one has not run yet: its wait is the lag
            }
            long posted = System.nanoTime();
            postedAt = posted;
            try {
                loop.execute(() -> {
                    lastLag = System.nanoTime() - posted;
                    postedAt = 0;
                });
            } catch (RejectedExecutionException e) {
                postedAt = 0; // the group is shutting down
            }
        }

        long lagNanos(long now) {
            long posted = postedAt;
            return posted != 0 ? Math.max(now - posted, lastLag) : lastLag;
        }
    }
}
