package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.limits.Refusal;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Why a request body was cut off by a limit rather than by its decoder. It travels as the cause of a failed last
 * part, the way a body that stops decoding does, so that the relay ends the exchange the same way: the upstream never
 * sees the body end, and the client is answered with {@link #status} (or its connection closed, once an answer has
 * begun).
 */
final class RequestBodyRefused extends DecoderException {

    private final transient Refusal reason;
    private final transient HttpResponseStatus status;

    RequestBodyRefused(Refusal reason, HttpResponseStatus status, String message) {
        super(message, null);
        this.reason = reason;
        this.status = status;
    }

    Refusal reason() {
        return reason;
    }

    HttpResponseStatus status() {
        return status;
    }

    /** The failed last part that carries this refusal down the pipeline. */
    LastHttpContent asLastPart() {
        LastHttpContent part = new DefaultLastHttpContent();
        part.setDecoderResult(DecoderResult.failure(this));
        return part;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a refusal, not a fault: where it was made says nothing
    }
}
