package dev.ballast.sim.api;

/**
 * Injected API failures: answer every request with a status (for a number of requests or until cleared), or never
 * answer at all. The {@code /_sim} side door is never affected.
 */
public final class ApiFaults {

    /** What to do with the next request. */
    enum Action { PASS, FAIL, HANG }

    private int status;
    private int remaining;
    private boolean hang;

    /** Fails the next {@code count} requests (every request when {@code count <= 0}) with {@code status}. */
    public synchronized void fail(int status, int count) {
        this.status = status;
        this.remaining = count <= 0 ? -1 : count;
        this.hang = false;
    }

    /** Leaves every request unanswered until {@link #clear()}. */
    public synchronized void hang() {
        this.hang = true;
        this.status = 0;
    }

    public synchronized void clear() {
        this.hang = false;
        this.status = 0;
        this.remaining = 0;
    }

    synchronized Action next() {
        if (hang) {
            return Action.HANG;
        }
        if (status != 0 && remaining != 0) {
            if (remaining > 0) {
                remaining--;
            }
            return Action.FAIL;
        }
        return Action.PASS;
    }

    synchronized int status() {
        return status;
    }
}
