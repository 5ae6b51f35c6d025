package dev.ballast.schema;

/** Retries of idempotent requests after a connect failure, on another endpoint. */
public record Retries(Integer attempts) {

    public Retries {
        attempts = attempts == null ? 1 : attempts;
    }
}
