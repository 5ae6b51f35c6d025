package dev.ballast.sim.api;

/** An API error with the engine's status and message; rendered as {@code {"message": …}}. */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
