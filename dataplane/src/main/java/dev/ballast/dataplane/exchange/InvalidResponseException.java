package dev.ballast.dataplane.exchange;

import io.netty.handler.codec.DecoderException;

/**
 * An upstream answered with something that is not an HTTP/1 response; the message says what was wrong. A
 * {@link DecoderException}, so that the decoder that finds it passes it on as it is.
 */
public final class InvalidResponseException extends DecoderException {

    public InvalidResponseException(String message) {
        super(message);
    }

    /** An answer to turn into a 502, not a bug to trace. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
