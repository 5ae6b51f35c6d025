package dev.ballast.controller.swarm;

import dev.ballast.controller.source.SourceHealth;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    private final Runnable onChange;
    private final ScheduledExecutorService scheduler;

    private volatile SwarmState state = SwarmState.EMPTY;
    private volatile SourceHealth health = SourceHealth.notYetSynced("swarm");
    private volatile Closeable stream;
    private volatile Instant streamActivity;
    private volatile boolean closed;

    /**
     * @param onChange called (from any thread) when an event says the swarm changed, or the stream was reopened
     */
    public SwarmSource(SwarmClient client, Clock clock, Duration watchdog, ScheduledExecutorService scheduler,
                       Runnable onChange) {
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

    /** Lists services, tasks and networks; on failure keeps the last good state. */
    public void refreshAll() {
        try {
            state = client.listAll();
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

    private synchronized void openStream() {
        if (closed) {
            return;
        }
        streamActivity = clock.instant();
        try {
            stream = client.watchServiceEvents(event -> {
                streamActivity = clock.instant();
                onChange.run();
            }, this::streamEnded);
        } catch (RuntimeException e) {
            LOG.warn("cannot open the Docker event stream: {}", e.toString());
            stream = null;
        }
    }

    private void streamEnded(Throwable error) {
        if (closed) {
            return;
        }
        LOG.info("Docker event stream ended{}; reopening, then resyncing", error == null ? "" : " (" + error + ")");
        reopen();
    }

    private void checkStream() {
        Instant last = streamActivity;
        if (stream == null || last == null || Duration.between(last, clock.instant()).compareTo(watchdog) > 0) {
            LOG.info("Docker event stream {}; reopening, then resyncing",
                    stream == null ? "is not open" : "silent for more than " + watchdog);
            reopen();
        }
    }

    private synchronized void reopen() {
        Closeable old = stream;
        stream = null;
        if (old != null) {
            try {
                old.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing the old event stream: {}", e.toString());
            }
        }
        scheduler.schedule(() -> {
            openStream();
            onChange.run(); // whatever the stream missed, a full list will see
        }, 200, TimeUnit.MILLISECONDS);
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
