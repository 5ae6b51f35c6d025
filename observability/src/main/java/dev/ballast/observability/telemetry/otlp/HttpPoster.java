package dev.ballast.observability.telemetry.otlp;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 POSTs to one {@code http://} URL over one kept-alive connection, from the calling thread: the request in
 * two writes (head, body), the answer's status read and its body skipped. Nothing more is needed to hand a batch to
 * an OTLP receiver, and nothing more is spent: no threads of its own besides a watchdog, no copies of the body, no
 * futures. A general client (the JDK's, OkHttp) costs more per post than encoding the spans it carries.
 *
 * <p>A post that takes longer than the timeout is cut by closing its socket (a watchdog looks once a second, or four
 * times per timeout when that is shorter), so a receiver that stops reading cannot hold the exporting thread: the
 * socket's read timeout covers reads, nothing else covers a blocked write. A kept-alive connection the receiver has
 * closed in the meantime fails the next post at once; {@link #post} then tries once more on a new connection before
 * it gives up (not after a timeout: the batch may have arrived, and a slow receiver stays slow). Not thread-safe.
 */
final class HttpPoster implements Closeable {

    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private final InetSocketAddress address;
    private final byte[] headStart;
    private final Duration timeout;
    private final ScheduledExecutorService watchdog;
    private volatile Socket posting; // the socket of the post under way, for the watchdog
    private volatile long postDeadline;
    private volatile boolean cut; // the watchdog closed the socket of the post under way
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    HttpPoster(URI url, String contentType, Map<String, String> headers, Duration timeout) {
        int port = url.getPort() == -1 ? 80 : url.getPort();
        this.address = InetSocketAddress.createUnresolved(url.getHost(), port);
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        StringBuilder head = new StringBuilder("POST ").append(path)
                .append(url.getRawQuery() == null ? "" : "?" + url.getRawQuery()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(url.getRawAuthority()).append("\r\n")
                .append("Content-Type: ").append(contentType).append("\r\n")
                .append("User-Agent: ballast-otlp-exporter\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        this.headStart = head.append("Content-Length: ").toString().getBytes(StandardCharsets.UTF_8);
        this.timeout = timeout;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ballast-otlp-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        if (!timeout.isZero()) { // zero: no limit, as for the socket's own timeouts
            long period = Math.max(1, Math.min(1000, timeout.toMillis() / 4));
            watchdog.scheduleAtFixedRate(this::cutIfLate, period, period, TimeUnit.MILLISECONDS);
        }
    }

    private void cutIfLate() {
        Socket current = posting;
        if (current != null && System.nanoTime() - postDeadline > 0) {
            cut = true;
            quietlyClose(current);
        }
    }

    /** Posts {@code body[0, length)}; returns the answer's status code. */
    int post(byte[] body, int length) throws IOException {
        boolean reused = socket != null;
        try {
            return exchange(body, length);
        } catch (IOException e) {
            disconnect();
            if (!reused || e instanceof SocketTimeoutException || cut) {
                throw e; // a receiver too slow to answer in time would be as slow on a new connection
            }
            return exchange(body, length); // the receiver had closed the kept-alive connection: once more, anew
        }
    }

    private int exchange(byte[] body, int length) throws IOException {
        Socket current = connect();
        cut = false;
        postDeadline = System.nanoTime() + timeout.toNanos();
        posting = current;
        try {
            byte[] head = (length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] request = new byte[headStart.length + head.length];
            System.arraycopy(headStart, 0, request, 0, headStart.length);
            System.arraycopy(head, 0, request, headStart.length, head.length);
            out.write(request);
            out.write(body, 0, length);
            out.flush();
            return readAnswer();
        } finally {
            posting = null;
        }
    }

    private Socket connect() throws IOException {
        if (socket == null) {
            Socket fresh = new Socket();
            try {
                fresh.setTcpNoDelay(true);
                int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()); // 0: none, for both
                fresh.connect(new InetSocketAddress(address.getHostString(), address.getPort()), millis);
                fresh.setSoTimeout(millis);
                in = new BufferedInputStream(fresh.getInputStream(), 8192);
                out = fresh.getOutputStream();
            } catch (IOException e) {
                quietlyClose(fresh);
                throw e;
            }
            socket = fresh;
        }
        return socket;
    }

    /** Reads the final answer (1xx ones are skipped) and skips its body; closes when the answer says so. */
    private int readAnswer() throws IOException {
        while (true) {
            String statusLine = line();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x answer: " + statusLine);
            }
            int status = (int) number(parts[1], 10, "status code");
            long contentLength = -1;
            boolean chunked = false;
            boolean close = parts[0].equals("HTTP/1.0");
            int headBytes = statusLine.length();
            for (String header = line(); !header.isEmpty(); header = line()) {
                headBytes += header.length();
                if (headBytes > MAX_HEAD_BYTES) {
                    throw new IOException("answer's head over " + MAX_HEAD_BYTES + " bytes");
                }
                int colon = header.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> contentLength = number(value, 10, "Content-Length");
                    case "transfer-encoding" -> chunked = value.endsWith("chunked");
                    case "connection" -> close |= value.contains("close");
                    default -> { }
                }
            }
            if (status / 100 == 1) {
                continue;
            }
            if (chunked) {
                skipChunks();
            } else if (contentLength >= 0) {
                skip(contentLength);
            } else if (status != 204 && status != 304) {
                while (in.read() >= 0) { } // delimited by the end of the connection
                close = true;
            }
            if (close) {
                disconnect();
            }
            return status;
        }
    }

    private void skipChunks() throws IOException {
        while (true) {
            String sizeLine = line();
            int extension = sizeLine.indexOf(';');
            long size = number(extension < 0 ? sizeLine.trim() : sizeLine.substring(0, extension).trim(), 16,
                    "chunk size");
            if (size == 0) {
                while (!line().isEmpty()) { } // trailers
                return;
            }
            skip(size);
            line(); // the CRLF after the chunk
        }
    }

    private void skip(long count) throws IOException {
        for (long left = count; left > 0; ) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("answer's body ended early");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    /** One line of the head, without its CRLF (or bare LF); ISO-8859-1, as HTTP's head is. */
    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("connection closed by the receiver");
            }
            if (line.length() >= MAX_HEAD_BYTES) {
                throw new IOException("answer's line over " + MAX_HEAD_BYTES + " bytes");
            }
            line.append((char) b);
        }
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }

    /** A number in the answer's head; one that is not makes the answer unreadable. */
    private static long number(String text, int radix, String what) throws IOException {
        try {
            return Long.parseLong(text, radix);
        } catch (NumberFormatException e) {
            throw new IOException("bad " + what + " in the answer: " + text, e);
        }
    }

    private void disconnect() {
        if (socket != null) {
            quietlyClose(socket);
            socket = null;
            in = null;
            out = null;
        }
    }

    private static void quietlyClose(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is wanted; there is nothing to do if it fails
        }
    }

    @Override
    public void close() {
        disconnect();
        watchdog.shutdownNow();
    }
}
