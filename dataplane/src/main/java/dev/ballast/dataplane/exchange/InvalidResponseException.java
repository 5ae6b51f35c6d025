package dev.ballast.dataplane.exchange;

/** An upstream answered with something that is not an HTTP/1 response; the message says what was wrong. */
public final class InvalidResponseException extends RuntimeException {

    public InvalidResponseException(String message) {
        super(message, null, false, false); // an answer to turn into a 502, not a bug to trace
    }
}
