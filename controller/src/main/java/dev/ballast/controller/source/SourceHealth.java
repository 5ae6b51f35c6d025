package dev.ballast.controller.source;

import java.time.Instant;

/**
 * How a source is doing, as {@code /v1/status} reports it.
 *
 * @param synced whether it has ever produced a state (until then it contributes nothing and is not ready)
 * @param healthy whether its last attempt succeeded
 * @param lastSuccess when it last succeeded, or {@code null}
 * @param lastError the last failure's message, or {@code null}
 */
public record SourceHealth(String name, boolean synced, boolean healthy, Instant lastSuccess, Instant lastFailure,
                           String lastError) {

    public static SourceHealth notYetSynced(String name) {
        return new SourceHealth(name, false, false, null, null, null);
    }

    public SourceHealth succeeded(Instant at) {
        return new SourceHealth(name, true, true, at, lastFailure, lastError);
    }

    public SourceHealth failed(Instant at, String error) {
        return new SourceHealth(name, synced, false, lastSuccess, at, error);
    }
}
