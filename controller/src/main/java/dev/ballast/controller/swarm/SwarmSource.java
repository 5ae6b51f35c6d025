package dev.ballast.controller.swarm;

import dev.ballast.controller.source.SourceHealth;
import io.opentelemetry.api.trace.SpanContext;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Swarm as a source: the last good {@link SwarmState}, refreshed on demand, plus the event stream that says when a
 * refresh is worth doing. A failed or partial list never replaces the last good state: the source keeps it and
 * reports itself unhealthy with the error until a list succeeds.
 */
public final class SwarmSource implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(SwarmSource.class);

    private final SwarmClient client;
    private final Clock clock;
    private final Duration watchdog;
    private final Consumer<SpanContext> onChange;
    private final ScheduledExecutorService scheduler;

    private volatile SwarmState state = SwarmState.EMPTY;
    private volatile SourceHealth health = SourceHealth.notYetSynced("swarm");
    private volatile Closeable stream;
    private volatile Instant streamActivity;
    private volatile boolean closed;
    private long streamGeneration;
    private boolean reopenPending;
    private int failures;
    private int streamOpens;

    /**
     * @param onChange called (from any thread) when an event says the swarm changed (with the event's span), or the
     *                 stream was reopened (with {@link SpanContext#getInvalid()}: no event to point at)
     */
    public SwarmSource(SwarmClient client, Clock clock, Duration watchdog, ScheduledExecutorService scheduler,
                       Consumer<SpanContext> onChange) {
        this.client = client;
        this.clock = clock;
        this.watchdog = watchdog;
        this.scheduler = scheduler;
        this.onChange = onChange;
    }

    public SwarmState state() {
        return state;
    }

    public SourceHealth health() {
        return health;
    }

    /** How many times the event stream has been opened (reopens back off; this shows they do). */
    public synchronized int streamOpens() {
        return streamOpens;
    }

    /** Lists services, tasks and networks; on failure keeps the last good state. */
    public void refreshAll() {
        try {
            state = client.listAll().reusing(state); // unchanged services keep their instances: see SwarmState
            health = health.succeeded(clock.instant());
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** Lists running tasks only (endpoints move without any event); on failure keeps the last good tasks. */
    public void refreshTasks() {
        try {
            state = state.withTasks(client.listRunningTasks());
            health = health.succeeded(clock.instant());
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void failed(RuntimeException e) {
        health = health.failed(clock.instant(), e.getMessage() == null ? e.toString() : e.getMessage());
        LOG.warn("Docker API call failed, keeping the last good state: {}", health.lastError());
    }

    /** Opens the event stream and starts the watchdog that reopens it when it ends or stays silent. */
    public void start() {
        openStream();
        long period = Math.max(100, watchdog.toMillis() / 4);
        scheduler.scheduleWithFixedDelay(this::checkStream, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Opens a new stream, superseding any other. Each stream has a generation; callbacks from an older one are
     * ignored, so a stream that fails late cannot trigger a second reopen loop.
     */
    private synchronized void openStream() {
        reopenPending = false;
        if (closed) {
            return;
        }
        long generation = ++streamGeneration;
        streamOpens++;
        streamActivity = clock.instant();
        try {
            stream = client.watchServiceEvents(() -> opened(generation), event -> {
                if (generation == streamGeneration) {
                    streamActivity = clock.instant();
                    onChange.accept(event);
                }
            }, error -> ended(generation, error));
        } catch (RuntimeException e) {
            ended(generation, e);
        }
    }

    /**
     * The engine keeps no history we can resume from, so a change made between our last list and the moment the
     * stream is really subscribed would be seen by neither: list again once the stream is open (list-after-watch).
     */
    private synchronized void opened(long generation) {
        if (generation == streamGeneration) {
            failures = 0;
            streamActivity = clock.instant();
            onChange.accept(SpanContext.getInvalid());
        }
    }

    private synchronized void ended(long generation, Throwable error) {
        if (closed || generation != streamGeneration) {
            return;
        }
        failures++;
        LOG.info("Docker event stream ended{}; reopening, then resyncing",
                error == null ? "" : " (" + error.getMessage() + ")");
        reopen();
    }

    private synchronized void checkStream() {
        Instant last = streamActivity;
        if (!reopenPending && last != null && Duration.between(last, clock.instant()).compareTo(watchdog) > 0) {
            LOG.info("Docker event stream silent for more than {}; reopening, then resyncing", watchdog);
            reopen();
        }
    }

    /** Closes the current stream and opens another after a backoff; at most one reopen is ever pending. */
    private synchronized void reopen() {
        if (reopenPending || closed) {
            return;
        }
        reopenPending = true;
        Closeable old = stream;
        stream = null;
        streamGeneration++; // whatever the old stream still reports is ignored from now on
        if (old != null) {
            try {
                old.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing the old event stream: {}", e.toString());
            }
        }
        long base = Math.min(10_000, 200L << Math.min(6, Math.max(0, failures - 1)));
        long delay = base / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(base / 2 + 1);
        scheduler.schedule(() -> {
            openStream();
            onChange.accept(SpanContext.getInvalid()); // whatever the stream missed, a full list will see
        }, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        if (stream != null) {
            stream.close();
        }
        client.close();
    }
}
