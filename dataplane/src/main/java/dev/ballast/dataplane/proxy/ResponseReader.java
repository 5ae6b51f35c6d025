package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.exchange.ChunkedScanner;
import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.dataplane.exchange.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * The response side of an upstream connection, without decoding more than the proxy needs: each response becomes a
 * {@link ResponseHead}, then its body as the bytes came (a {@link ByteBuf} per piece, chunked framing and trailers
 * included), then an {@link End} holding the body's last bytes. Interim (1xx) heads come before the final one. The
 * body's framing is followed (length, chunked, to the close; none for HEAD, 204 and 304) only to find where it ends.
 *
 * <p>It watches the requests written (it sits before the encoder), to know when a response is due and whether it
 * answers a HEAD. Bytes that do not make a response fire an {@link InvalidResponseException}. After a 101 the bytes
 * that followed it are kept and handed on when the handler is removed: they belong to the tunnel that replaces it.
 */
final class ResponseReader extends ChannelDuplexHandler {

    /** The largest response head read; a larger one is an invalid response. */
    static final int MAX_HEAD = 64 * 1024;

    /** The end of a response and its last body bytes (possibly none). */
    static final class End extends DefaultByteBufHolder {
        static final End EMPTY = new End(Unpooled.EMPTY_BUFFER);

        End(ByteBuf last) {
            super(last);
        }
    }

    private enum State { IDLE, HEAD, LENGTH, CHUNKED, UNTIL_CLOSE, SWITCHED, BROKEN }

    private State state = State.IDLE;
    private boolean headRequest;
    /** A head split over reads, kept until it is whole. */
    private ByteBuf partial;
    /** How much of the head under way was searched for its end already. */
    private int searched;
    private long remaining;
    private final ChunkedScanner chunks = new ChunkedScanner();
    /** What came after a 101, for the tunnel. */
    private ByteBuf afterSwitch;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpRequest request) {
            headRequest = HttpMethod.HEAD.equals(request.method());
            state = State.HEAD;
            searched = 0;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf buf = in;
        if (partial != null) {
            buf = ctx.alloc().buffer(partial.readableBytes() + in.readableBytes()).writeBytes(partial).writeBytes(in);
            partial.release();
            partial = null;
            in.release();
        }
        try {
            while (buf.isReadable() && !ctx.isRemoved() && next(ctx, buf)) {
                // each step hands one part on
            }
            if (buf.isReadable() && state == State.HEAD && !ctx.isRemoved()) {
                partial = buf.retain(); // the rest of the head comes in a later read
            }
        } catch (InvalidResponseException e) {
            state = State.BROKEN;
            ctx.fireExceptionCaught(e);
        } finally {
            buf.release();
        }
    }

    /** Hands on the next part of what {@code buf} holds; false when it needs more bytes than there are. */
    private boolean next(ChannelHandlerContext ctx, ByteBuf buf) {
        switch (state) {
            case HEAD -> {
                return head(ctx, buf);
            }
            case LENGTH -> {
                int n = (int) Math.min(remaining, buf.readableBytes());
                remaining -= n;
                if (remaining > 0) {
                    ctx.fireChannelRead(buf.readRetainedSlice(n));
                } else {
                    state = State.IDLE; // before the end is handed on: it may start the next exchange at once
                    ctx.fireChannelRead(new End(buf.readRetainedSlice(n)));
                }
                return true;
            }
            case CHUNKED -> {
                int end = chunks.scan(buf, buf.readerIndex(), buf.writerIndex());
                if (end < 0) {
                    ctx.fireChannelRead(buf.readRetainedSlice(buf.readableBytes()));
                } else {
                    state = State.IDLE;
                    ctx.fireChannelRead(new End(buf.readRetainedSlice(end - buf.readerIndex())));
                }
                return true;
            }
            case UNTIL_CLOSE -> {
                ctx.fireChannelRead(buf.readRetainedSlice(buf.readableBytes()));
                return true;
            }
            case SWITCHED, BROKEN -> {
                buf.skipBytes(buf.readableBytes()); // nothing to do with them here
                return false;
            }
            default -> {
                int n = buf.readableBytes();
                throw new InvalidResponseException("sent " + n + (n == 1 ? " byte" : " bytes")
                        + " when no response was due");
            }
        }
    }

    private boolean head(ChannelHandlerContext ctx, ByteBuf buf) {
        int from = buf.readerIndex();
        int end = ResponseHead.end(buf, from, from + searched, buf.writerIndex());
        if (end < 0 || end - from > MAX_HEAD) {
            if (buf.readableBytes() > MAX_HEAD) {
                throw new InvalidResponseException("a response head too large (over " + MAX_HEAD / 1024 + " KiB)");
            }
            // searched so far, relative to the head's start (it moves to a new buffer with the next read); the last
            // two bytes again, as they may begin the blank line
            searched = Math.max(0, buf.writerIndex() - from - 2);
            return false;
        }
        searched = 0;
        ResponseHead head = ResponseHead.parse(buf, from, end);
        buf.readerIndex(end);
        int status = head.status();
        if (status == 101) {
            state = State.SWITCHED;
            if (buf.isReadable()) {
                afterSwitch = buf.readRetainedSlice(buf.readableBytes());
            }
            ctx.fireChannelRead(head);
            return false;
        }
        if (head.interim()) {
            ctx.fireChannelRead(head); // the final head follows
            return true;
        }
        boolean noBody = !head.hasBody(headRequest);
        if (noBody) {
            state = State.IDLE;
        } else if (head.chunked()) {
            state = State.CHUNKED;
            chunks.reset();
        } else if (head.contentLength() > 0) {
            state = State.LENGTH;
            remaining = head.contentLength();
        } else {
            state = State.UNTIL_CLOSE;
        }
        ctx.fireChannelRead(head);
        if (noBody && !ctx.isRemoved()) {
            ctx.fireChannelRead(End.EMPTY);
        }
        return true;
    }

    /** The end of a body delimited by the close. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePartial();
        if (state == State.UNTIL_CLOSE) {
            state = State.IDLE;
            ctx.fireChannelRead(End.EMPTY);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePartial();
        ByteBuf rest = afterSwitch;
        afterSwitch = null;
        if (rest != null) { // the tunnel's first bytes, to the handler that took this one's place
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        }
    }

    private void releasePartial() {
        if (partial != null) {
            ReferenceCountUtil.release(partial);
            partial = null;
        }
    }
}
