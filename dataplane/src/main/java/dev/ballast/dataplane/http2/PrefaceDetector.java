package dev.ballast.dataplane.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * On a plain listener, tells HTTP/2 by prior knowledge (the connection preface, RFC 9113 §3.4) from HTTP/1.1 by the
 * first bytes, as soon as they differ from the preface or complete it; then has the handlers of that protocol added
 * after it, hands them the connection's {@code channelActive} (held back until they are there) and the bytes read,
 * and leaves. A client that sends part of the preface and stalls is closed after the request timeout.
 */
public final class PrefaceDetector extends ProtocolChoice {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Duration timeout;
    private ScheduledFuture<?> deadline;

    /**
     * @param timeout how long the first bytes may take to decide
     * @param install adds the handlers: those of HTTP/2 when given true, of HTTP/1.1 when false
     */
    public PrefaceDetector(Duration timeout, Consumer<Boolean> install) {
        super(install);
        this.timeout = timeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // not passed on: the handlers that hear of it are not there yet
        deadline = ctx.executor().schedule(() -> ctx.channel().close(), timeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.read();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(PREFACE.length, in.readableBytes());
        boolean matches = true;
        for (int i = 0; i < n && matches; i++) {
            matches = in.getByte(in.readerIndex() + i) == PREFACE[i];
        }
        if (matches && n < PREFACE.length) {
            return; // too short to say: ByteToMessageDecoder reads more
        }
        cancelDeadline();
        chosen(ctx, matches);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
