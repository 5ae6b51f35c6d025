package dev.ballast.sim.model;

/** A request the cluster refuses, with the engine's message; the API maps the kind to the engine's status. */
public final class ClusterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why, in the engine's error categories. */
    public enum Kind { INVALID, NOT_FOUND, CONFLICT, FORBIDDEN, UNIMPLEMENTED, INTERNAL }

    private final Kind kind;

    public ClusterException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
