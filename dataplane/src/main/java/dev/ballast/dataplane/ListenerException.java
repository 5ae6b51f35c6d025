package dev.ballast.dataplane;

/** A listener could not be bound (address in use, not an address of this host, no permission). */
public final class ListenerException extends RuntimeException {

    ListenerException(String message, Throwable cause) {
        super(message, cause);
    }
}
