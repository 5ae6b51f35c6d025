package dev.ballast.dataplane.http2;

import dev.ballast.dataplane.exchange.ChunkedScanner;
import dev.ballast.dataplane.exchange.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * Turns an HTTP/1.1 response, as the bytes the proxy writes for a client, into the HEADERS and DATA of an HTTP/2
 * stream: interim heads and the final head become HEADERS (hop-by-hop headers, which HTTP/2 forbids, left out, names in
 * lower case), the body becomes DATA as it comes — de-chunked when it was chunked, its trailers the closing HEADERS —
 * and the end of the body ends the stream. A head always comes whole in one write (the relay writes each head as one
 * buffer, which may carry body bytes after it). One response per stream.
 */
final class ResponseFramer {

    /** Where the frames go. */
    interface Frames {
        void headers(Http2Headers headers, boolean endStream);

        /** Takes {@code data}, which it releases. */
        void data(ByteBuf data, boolean endStream);
    }

    private enum State { HEAD, LENGTH, CHUNKED, UNTIL_CLOSE, DONE }

    private final boolean headRequest;
    private State state = State.HEAD;
    private long remaining;
    private ChunkedScanner chunks;
    /** The trailer section of a chunked body as it comes, its bytes as text (trailers are short). */
    private StringBuilder trailer;

    /** @param headRequest whether the response answers a HEAD request (and so has no body whatever its head says) */
    ResponseFramer(boolean headRequest) {
        this.headRequest = headRequest;
    }

    /** Frames {@code bytes} (released here). */
    void bytes(ByteBuf bytes, Frames out) {
        try {
            while (bytes.isReadable() && state != State.DONE) {
                switch (state) {
                    case HEAD -> head(bytes, out);
                    case LENGTH -> {
                        int n = (int) Math.min(remaining, bytes.readableBytes());
                        remaining -= n;
                        if (remaining == 0) {
                            state = State.DONE;
                        }
                        out.data(bytes.readRetainedSlice(n), state == State.DONE);
                    }
                    case CHUNKED -> chunked(bytes, out);
                    case UNTIL_CLOSE -> out.data(bytes.readRetainedSlice(bytes.readableBytes()), false);
                    default -> throw new IllegalStateException(state.name());
                }
            }
        } finally {
            bytes.release(); // what is left after the response ended is nothing the stream can carry
        }
    }

    /** Whether the response is a body that only its connection's close would end (now the stream's end). */
    boolean awaitingClose() {
        return state == State.UNTIL_CLOSE;
    }

    /** Ends a body delimited by the close. */
    void close(Frames out) {
        if (state == State.UNTIL_CLOSE) {
            state = State.DONE;
            out.data(Unpooled.EMPTY_BUFFER, true);
        }
    }

    private void head(ByteBuf bytes, Frames out) {
        int from = bytes.readerIndex();
        int end = ResponseHead.end(bytes, from, from, bytes.writerIndex());
        if (end < 0) {
            throw new IllegalStateException("a response head written in pieces");
        }
        ResponseHead head = ResponseHead.parse(bytes, from, end);
        bytes.readerIndex(end);
        try {
            Http2Headers headers = new DefaultHttp2Headers().status(AsciiString.of(Integer.toString(head.status())));
            head.forEachForwardedHeader((name, value) -> headers.add(AsciiString.of(name).toLowerCase(), value));
            if (head.interim()) {
                out.headers(headers, false);
                return;
            }
            headers.remove(HttpHeaderNames.TRANSFER_ENCODING); // framing is HTTP/2's own
            if (!head.hasBody(headRequest)) {
                state = State.DONE;
                out.headers(headers, true);
                return;
            }
            if (head.chunked()) {
                state = State.CHUNKED;
                chunks = new ChunkedScanner();
            } else if (head.contentLength() > 0) {
                state = State.LENGTH;
                remaining = head.contentLength();
            } else {
                state = State.UNTIL_CLOSE;
            }
            out.headers(headers, false);
        } finally {
            head.release();
        }
    }

    private void chunked(ByteBuf bytes, Frames out) {
        int end = chunks.scan(bytes, bytes.readerIndex(), bytes.writerIndex(), new ChunkedScanner.Data() {
            @Override
            public void data(ByteBuf buf, int index, int length) {
                out.data(buf.retainedSlice(index, length), false);
            }

            @Override
            public void trailer(byte c) {
                if (trailer == null) {
                    trailer = new StringBuilder();
                }
                trailer.append((char) (c & 0xff));
            }
        });
        if (end < 0) {
            bytes.skipBytes(bytes.readableBytes());
            return;
        }
        bytes.readerIndex(end);
        state = State.DONE;
        Http2Headers trailers = trailers();
        if (trailers.isEmpty()) {
            out.data(Unpooled.EMPTY_BUFFER, true);
        } else {
            out.headers(trailers, true);
        }
    }

    /** The trailer fields, names in lower case; hop-by-hop ones and those HTTP/2 forbids left out. */
    private Http2Headers trailers() {
        Http2Headers headers = new DefaultHttp2Headers();
        if (trailer == null) {
            return headers;
        }
        for (String line : trailer.toString().split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue; // the blank line that ends the section
            }
            AsciiString name = AsciiString.of(line.substring(0, colon).trim()).toLowerCase();
            if (!Http2Forbidden.isConnectionSpecific(name)) {
                headers.add(name, line.substring(colon + 1).trim());
            }
        }
        return headers;
    }
}
