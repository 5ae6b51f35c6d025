package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.exchange.ChunkedScanner;
import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.dataplane.exchange.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.util.List;

/**
 * The response side of an upstream connection, without decoding more than the proxy needs: each response becomes a
 * {@link ResponseHead}, then its body as the bytes came (a {@link ByteBuf} per piece, chunked framing and trailers
 * included), then an {@link End} holding the body's last bytes. Interim (1xx) heads come before the final one. The
 * body's framing is followed (length, chunked, to the close; none for HEAD, 204 and 304) only to find where it ends.
 *
 * <p>Its {@link #requestEncoder} tells it of each request written, so it knows when a response is due and whether it
 * answers a HEAD. Bytes that do not make a response are an {@link InvalidResponseException}. A head split over reads
 * waits in the decoder's cumulation; after a 101 the bytes that followed stay there, and go to the tunnel's handler
 * when this one is removed. Bytes already read behind the end of a response were sent before the next request could
 * be: they answer none, and must not be read as the answer to the next one (a response stitched from another), so
 * the connection is closed before that end is handed on, and never used again.
 */
final class ResponseReader extends ByteToMessageDecoder {

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
    /** How much of the head under way was searched for its end already, from its start. */
    private int searched;
    private long remaining;
    private final ChunkedScanner chunks = new ChunkedScanner();

    /** The encoder of the requests whose responses this reader reads; it goes before the reader in the pipeline. */
    HttpRequestEncoder requestEncoder() {
        return new HttpRequestEncoder() {
            @Override
            protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
                expect(request);
                super.encodeInitialLine(buf, request);
            }
        };
    }

    private void expect(HttpRequest request) {
        headRequest = HttpMethod.HEAD.equals(request.method());
        state = State.HEAD;
        searched = 0;
    }

    /**
     * Hands on the next part of what {@code in} holds. The parts are handed on when this returns, and one may start the
     * next exchange at once (a new request written): the state is set for what follows before they go.
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            next(ctx, in, out);
        } catch (InvalidResponseException e) {
            state = State.BROKEN; // what else comes on this connection is not read
            throw e;
        }
    }

    private void next(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEAD -> head(ctx, in, out);
            case LENGTH -> {
                int n = (int) Math.min(remaining, in.readableBytes());
                remaining -= n;
                if (remaining > 0) {
                    out.add(in.readRetainedSlice(n));
                } else {
                    end(ctx, in, out, new End(in.readRetainedSlice(n)));
                }
            }
            case CHUNKED -> {
                int end = chunks.scan(in, in.readerIndex(), in.writerIndex());
                if (end < 0) {
                    out.add(in.readRetainedSlice(in.readableBytes()));
                } else {
                    end(ctx, in, out, new End(in.readRetainedSlice(end - in.readerIndex())));
                }
            }
            case UNTIL_CLOSE -> out.add(in.readRetainedSlice(in.readableBytes()));
            case SWITCHED, BROKEN -> in.skipBytes(in.readableBytes()); // nothing to do with them here
            case IDLE -> throw unasked(in.readableBytes());
        }
    }

    private void head(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int from = in.readerIndex();
        int end = ResponseHead.end(in, from, from + searched, in.writerIndex());
        if (end < 0 || end - from > MAX_HEAD) {
            if (in.readableBytes() > MAX_HEAD) {
                throw new InvalidResponseException("a response head too large (over " + MAX_HEAD / 1024 + " KiB)");
            }
            searched = Math.max(0, in.writerIndex() - from - 2); // the last two bytes again: they may begin the end
            return;
        }
        searched = 0;
        ResponseHead head = ResponseHead.parse(in, from, end);
        in.readerIndex(end);
        if (head.status() == 101) {
            state = State.SWITCHED; // what follows stays in the cumulation, for the tunnel
        } else if (head.interim()) {
            state = State.HEAD; // the final head follows
        } else if (!head.hasBody(headRequest)) {
            out.add(head);
            end(ctx, in, out, End.EMPTY);
            return;
        } else if (head.chunked()) {
            state = State.CHUNKED;
            chunks.reset();
        } else if (head.contentLength() > 0) {
            state = State.LENGTH;
            remaining = head.contentLength();
        } else {
            state = State.UNTIL_CLOSE;
        }
        out.add(head);
    }

    /**
     * Hands on the end of the response under way. Bytes read behind it are an invalid response, reported once the end
     * has gone on; the connection is closed first, so that what the end sets off (the next request, at once) is not
     * written into it.
     */
    private void end(ChannelHandlerContext ctx, ByteBuf in, List<Object> out, End end) {
        out.add(end);
        state = State.IDLE;
        if (in.isReadable()) {
            int n = in.readableBytes();
            in.skipBytes(n);
            ctx.close();
            throw unasked(n);
        }
    }

    private static InvalidResponseException unasked(int n) {
        return new InvalidResponseException("sent " + n + (n == 1 ? " byte" : " bytes") + " when no response was due");
    }

    /** The close ends a body delimited by it. */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.isReadable()) {
            decode(ctx, in, out);
        }
        if (state == State.UNTIL_CLOSE) {
            state = State.IDLE;
            out.add(End.EMPTY);
        }
    }
}
