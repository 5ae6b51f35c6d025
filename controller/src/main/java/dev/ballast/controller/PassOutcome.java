package dev.ballast.controller;

/** How a reconcile pass ended; {@link #label()} is the value its span and metrics carry. */
public enum PassOutcome {
    /** A new version became current. */
    PUBLISHED,
    /** The rebuilt snapshot has the version already current. */
    UNCHANGED,
    /** Some source has not been read once yet, so nothing was built. */
    NOT_SYNCED,
    /** The pass threw; the next trigger tries again. */
    FAILED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
