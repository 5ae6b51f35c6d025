package dev.ballast.dataplane.health;

import dev.ballast.schema.HealthCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint under one health check. Healthy until proven otherwise (a new endpoint or a new snapshot must not cost
 * requests), checked at once, then {@code interval} after each check ends (checks never overlap). Any 2xx or 3xx
 * answer within {@code timeout} passes; {@code unhealthyThreshold} failures in a row make it unhealthy, then
 * {@code healthyThreshold} passes in a row healthy again. Changes are logged with the reason.
 */
public final class HealthProbe {

    private static final Logger LOG = LoggerFactory.getLogger(HealthProbe.class);

    private final String address;
    private final HealthCheck check;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final URI uri;
    private volatile boolean healthy = true;
    private volatile boolean stopped;
    private int failures;
    private int passes;
    private ScheduledFuture<?> next;

    HealthProbe(String address, HealthCheck check, HttpClient http, ScheduledExecutorService timer) {
        this.address = address;
        this.check = check;
        this.http = http;
        this.timer = timer;
        this.uri = URI.create("http://" + address + check.path());
    }

    /** Whether the endpoint gets traffic. Read on every request; one volatile read. */
    public boolean healthy() {
        return healthy;
    }

    void start() {
        schedule(0);
    }

    synchronized void stop() {
        stopped = true;
        if (next != null) {
            next.cancel(false);
        }
    }

    private synchronized void schedule(long delayMillis) {
        if (!stopped) {
            next = timer.schedule(this::check, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void check() {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(check.timeout()).GET()
                .header("User-Agent", "ballast-health-check").build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            if (error != null) {
                record(false, error.getCause() != null ? error.getCause().toString() : error.toString());
            } else {
                int status = response.statusCode();
                record(status >= 200 && status < 400, "answered " + status);
            }
            schedule(check.interval().toMillis());
        });
    }

    private synchronized void record(boolean passed, String outcome) {
        if (stopped) {
            return;
        }
        if (passed) {
            failures = 0;
            passes++;
            if (!healthy && passes >= check.healthyThreshold()) {
                healthy = true;
                LOG.info("endpoint {} is healthy again: GET {} passed {} time(s) in a row", address, check.path(), passes);
            }
        } else {
            passes = 0;
            failures++;
            if (healthy && failures >= check.unhealthyThreshold()) {
                healthy = false;
                LOG.warn("endpoint {} is unhealthy and gets no traffic: GET {} failed {} time(s) in a row, last: {}",
                        address, check.path(), failures, outcome);
            }
        }
    }
}
