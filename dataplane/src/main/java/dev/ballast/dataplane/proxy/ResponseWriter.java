package dev.ballast.dataplane.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

/**
 * Writes an upstream's response to the client as the bytes it is, past the response encoder (which encodes only the
 * proxy's own answers), and decides when they leave: what one upstream read brought is flushed once, when that read
 * completes. A response head not yet written takes in the body bytes that follow it in the same read while they fit
 * without growing it, so a small response leaves in one buffer: one {@code write} rather than a gathering
 * {@code writev}.
 */
final class ResponseWriter {

    private final ChannelHandlerContext rawOut;
    /** A response head not written yet; written by the end of the upstream read at the latest. */
    private ByteBuf unsent;
    /** Response parts were written to the client and not flushed yet. */
    private boolean unflushed;

    /** @param rawOut the context of the response encoder: writes from it skip the encoder */
    ResponseWriter(ChannelHandlerContext rawOut) {
        this.rawOut = rawOut;
    }

    /** A response head: held for the bytes that may follow it (an interim head before it goes first). */
    void head(ByteBuf head) {
        writeUnsent();
        unsent = head;
    }

    /** Response bytes: into the unsent head while they fit, else written after it. */
    void bytes(ByteBuf bytes) {
        int n = bytes.readableBytes();
        if (unsent != null && n <= unsent.maxFastWritableBytes()) {
            unsent.writeBytes(bytes);
            bytes.release();
            return;
        }
        writeUnsent();
        if (n > 0) {
            rawOut.write(bytes, rawOut.voidPromise());
            unflushed = true;
        } else {
            bytes.release();
        }
    }

    /** Writes the unsent head, if any, and flushes what was written since the last flush. */
    void send() {
        writeUnsent();
        if (unflushed) {
            unflushed = false;
            rawOut.flush();
        }
    }

    /** Sends {@code bytes} at once, after whatever is pending. */
    void sendNow(ByteBuf bytes) {
        writeUnsent();
        unflushed = false;
        rawOut.writeAndFlush(bytes);
    }

    /** Writes the unsent head, if any (an interim head, before the proxy's own answer goes). */
    void writeUnsent() {
        ByteBuf head = unsent;
        if (head != null) {
            unsent = null;
            rawOut.write(head, rawOut.voidPromise());
            unflushed = true;
        }
    }

    /** An unsent head that will not be sent: the exchange ended before its upstream read did. */
    void dropUnsent() {
        ReferenceCountUtil.release(unsent); // null when there is none
        unsent = null;
    }
}
