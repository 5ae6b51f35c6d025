package dev.ballast.dataplane.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 client that writes frames byte by byte over a plain socket, as a hostile or careless client would: no
 * checks of its own, HPACK by Netty's encoder only. Reads the server's frames back, acknowledging its SETTINGS and
 * returning the connection's flow-control credit for the DATA it reads (streams keep their first 64 KiB: enough for
 * the short answers of the tests), and keeps what each stream answered.
 */
final class RawH2Connection implements AutoCloseable {

    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int PING = 6;
    static final int GOAWAY = 7;
    static final int WINDOW_UPDATE = 8;
    static final int CONTINUATION = 9;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;

    /** A frame read from the server. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        int errorCode() { // of RST_STREAM and GOAWAY
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8)
                    | (payload[at + 3] & 0xff);
        }
    }

    /** What a stream got: its response head, its body, whether it ended, and the reset code if it was reset. */
    static final class StreamAnswer {
        Http2Headers headers;
        Http2Headers trailers;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean ended;
        Integer reset;

        String status() {
            return headers == null ? null : headers.status().toString();
        }

        String bodyText() {
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    private final Map<Integer, StreamAnswer> answers = new HashMap<>();
    private Frame goAway;
    private boolean closed;
    /** DATA bytes read that the connection's window was not given back yet. */
    private int unacknowledged;

    private final Thread reader = new Thread(this::readAll, "raw-h2-reader");

    RawH2Connection(int port) throws IOException {
        this(port, true);
    }

    private RawH2Connection(int port, boolean reading) throws IOException {
        socket = new Socket("127.0.0.1", port);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
        reader.setDaemon(true);
        if (reading) {
            reader.start();
        }
    }

    /** A connection that reads nothing the server sends until {@link #startReading}: a client slow to read. */
    static RawH2Connection readingLater(int port) throws IOException {
        return new RawH2Connection(port, false);
    }

    void startReading() {
        reader.start();
    }

    /**
     * Reads the server's frames as they come, so that what it sent before closing is taken before the close (a close
     * with unread client bytes resets the connection, and the kernel drops what was not read yet).
     */
    private void readAll() {
        try {
            while (read() != null) {
                // taken
            }
        } catch (IOException e) {
            // the connection ended
        } finally {
            synchronized (this) {
                closed = true;
                notifyAll();
            }
        }
    }

    static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("http").authority("localhost").path(path);
    }

    void headers(int stream, Http2Headers headers, boolean endStream) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(headers));
    }

    /** The HPACK block of {@code headers}. */
    byte[] block(Http2Headers headers) {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.encodeHeaders(0, headers, buf);
            return ByteBufUtil.getBytes(buf);
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            buf.release();
        }
    }

    void data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    void reset(int stream, int code) throws IOException {
        frame(RST_STREAM, 0, stream, int32(code));
    }

    void windowUpdate(int stream, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, stream, int32(increment));
    }

    synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
                (byte) stream};
        out.write(head);
        out.write(payload);
        out.flush();
    }

    private static byte[] int32(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    /** The next frame from the server, or null when it closed the connection. */
    private Frame read() throws IOException {
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException e) {
            return null;
        }
        int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
        int stream = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8) | (head[8] & 0xff);
        byte[] payload = new byte[length];
        in.readFully(payload);
        Frame frame = new Frame(head[3], head[4] & 0xff, stream, payload);
        synchronized (this) {
            take(frame);
            notifyAll();
        }
        return frame;
    }

    private void take(Frame frame) throws IOException {
        switch (frame.type()) {
            case SETTINGS -> {
                if ((frame.flags() & 1) == 0) {
                    reply(SETTINGS, new byte[0]);
                }
            }
            case HEADERS -> {
                StreamAnswer answer = answers.computeIfAbsent(frame.stream(), s -> new StreamAnswer());
                ByteBuf block = Unpooled.wrappedBuffer(frame.payload());
                try {
                    Http2Headers decoded = decoder.decodeHeaders(frame.stream(), block);
                    if (answer.headers == null || answer.headers.status().charAt(0) == '1') {
                        answer.headers = decoded;
                    } else {
                        answer.trailers = decoded;
                    }
                } catch (Http2Exception e) {
                    throw new IOException(e);
                } finally {
                    block.release();
                }
                answer.ended |= (frame.flags() & END_STREAM) != 0;
            }
            case DATA -> {
                StreamAnswer answer = answers.computeIfAbsent(frame.stream(), s -> new StreamAnswer());
                answer.body.write(frame.payload());
                answer.ended |= (frame.flags() & END_STREAM) != 0;
                // credit back in large steps only: a write the server does not read when it closes would reset the
                // connection, and with it what the server sent last (a GOAWAY)
                unacknowledged += frame.payload().length;
                if (unacknowledged >= 32 * 1024) {
                    reply(WINDOW_UPDATE, int32(unacknowledged));
                    unacknowledged = 0;
                }
            }
            case RST_STREAM -> answers.computeIfAbsent(frame.stream(), s -> new StreamAnswer()).reset =
                    frame.errorCode();
            case GOAWAY -> goAway = frame;
            default -> { }
        }
    }

    /**
     * Answers a connection-level frame (a SETTINGS acknowledgement is the only flag used). The server may have closed
     * the connection already: that must not end the reading, since what it sent before closing is still to be read.
     */
    private void reply(int type, byte[] payload) {
        try {
            frame(type, type == SETTINGS ? 1 : 0, 0, payload);
        } catch (IOException closed) {
            // the next read sees the end
        }
    }

    /** Waits until {@code stream} ended or was reset (5 s at most); its answer. */
    StreamAnswer await(int stream) throws IOException, InterruptedException {
        return await(stream, false);
    }

    /** Waits until {@code stream} was reset (5 s at most), even after its response ended; its answer. */
    StreamAnswer awaitReset(int stream) throws IOException, InterruptedException {
        return await(stream, true);
    }

    private synchronized StreamAnswer await(int stream, boolean reset) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (true) {
            StreamAnswer answer = answers.get(stream);
            if (answer != null && (answer.ended && !reset || answer.reset != null)) {
                return answer;
            }
            if (closed) {
                throw new EOFException("the connection closed before stream " + stream + " ended (GOAWAY: "
                        + goAway + ")");
            }
            waitUntil(deadline, "stream " + stream + " to end");
        }
    }

    synchronized boolean closed() {
        return closed;
    }

    /** Waits until the server closed the connection (5 s at most); false if it did not. */
    synchronized boolean awaitClosed() throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!closed) {
            try {
                waitUntil(deadline, "the close");
            } catch (SocketTimeoutException stillOpen) {
                return false;
            }
        }
        return true;
    }

    /** Waits for the server's GOAWAY (5 s at most); null if the connection closed without one. */
    synchronized Frame awaitGoAway() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (goAway == null && !closed) {
            waitUntil(deadline, "a GOAWAY");
        }
        return goAway;
    }

    private void waitUntil(long deadline, String what) throws InterruptedException, SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("waited 5 s for " + what);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
