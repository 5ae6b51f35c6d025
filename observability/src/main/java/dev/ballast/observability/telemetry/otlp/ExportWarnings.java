package dev.ballast.observability.telemetry.otlp;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warnings about spans that could not be exported: the first failure at once, then at most one a minute that counts
 * what failed since. A receiver that is down fails every batch, several a second at a proxy's span rate; one line a
 * minute says so without burying the log.
 */
final class ExportWarnings {

    private static final Logger LOG = LoggerFactory.getLogger(OtlpHttpTraceExporter.class);
    private static final long INTERVAL = TimeUnit.MINUTES.toNanos(1);

    private final URI endpoint;
    private long lastWarned;
    private boolean warnedOnce;
    private long batchesSince;
    private long spansSince;

    ExportWarnings(URI endpoint) {
        this.endpoint = endpoint;
    }

    /** Called by the exporting thread, under the exporter's lock. */
    void failed(int spans, String why) {
        batchesSince++;
        spansSince += spans;
        long now = System.nanoTime();
        if (warnedOnce && now - lastWarned < INTERVAL) {
            return;
        }
        LOG.warn("cannot export spans to {}: {}; {} spans in {} {} dropped{}", endpoint, why, spansSince,
                batchesSince, batchesSince == 1 ? "batch" : "batches", warnedOnce ? " since the last warning" : "");
        warnedOnce = true;
        lastWarned = now;
        batchesSince = 0;
        spansSince = 0;
    }
}
