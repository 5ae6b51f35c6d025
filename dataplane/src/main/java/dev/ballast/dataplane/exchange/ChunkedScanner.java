package dev.ballast.dataplane.exchange;

import io.netty.buffer.ByteBuf;

/**
 * Follows a chunked body (RFC 9112 §7.1) byte by byte as it passes through, to find where it ends: chunk sizes with
 * their extensions, chunk data, the last chunk and the trailer section. It keeps nothing of the bytes; they go on to
 * the client as they came, in whatever pieces the reads cut them into; when the body is to be re-coded (compressed),
 * a {@link Data} receiver is told where the chunk data lies in them. One body at a time; {@link #reset} before the
 * next.
 */
public final class ChunkedScanner {

    private static final int SIZE_START = 0;
    private static final int SIZE = 1;
    private static final int EXTENSION = 2;
    private static final int SIZE_LF = 3;
    private static final int DATA = 4;
    private static final int DATA_CR = 5;
    private static final int DATA_LF = 6;
    private static final int TRAILER_START = 7;
    private static final int TRAILER = 8;
    private static final int END_LF = 9;
    /** 15 hex digits: sizes below 2^60, far beyond any body, and no overflow. */
    private static final int MAX_SIZE_DIGITS = 15;

    /** Told where chunk data lies in the bytes scanned (the framing left out). */
    @FunctionalInterface
    public interface Data {
        /** {@code length} bytes of chunk data at {@code index} of {@code buf} (never zero of them). */
        void data(ByteBuf buf, int index, int length);

        /** A byte of the trailer section (its lines and the blank line that ends it), in order. */
        default void trailer(byte c) {
        }
    }

    private int state = SIZE_START;
    private long size;
    private int digits;

    public void reset() {
        state = SIZE_START;
        size = 0;
        digits = 0;
    }

    /**
     * Follows the bytes of {@code buf} from {@code from} to {@code to}.
     *
     * @return the index just past the end of the body when it ends within them, else -1 (all of them belong to it)
     * @throws InvalidResponseException when they break the chunked syntax
     */
    public int scan(ByteBuf buf, int from, int to) {
        return scan(buf, from, to, null);
    }

    /**
     * Follows the bytes as {@link #scan(ByteBuf, int, int)} does, telling {@code data} (when not null) of each run of
     * chunk data among them, in order.
     */
    public int scan(ByteBuf buf, int from, int to, Data data) {
        int i = from;
        while (i < to) {
            if (state == DATA) { // the bulk of the bytes: skipped, not looked at
                int n = (int) Math.min(size, to - i);
                if (data != null && n > 0) {
                    data.data(buf, i, n);
                }
                size -= n;
                i += n;
                if (size == 0) {
                    state = DATA_CR;
                }
                continue;
            }
            byte c = buf.getByte(i++);
            if (data != null && state >= TRAILER_START) {
                data.trailer(c);
            }
            switch (state) {
                case SIZE_START, SIZE -> size(c);
                case EXTENSION -> {
                    if (c == '\n') {
                        sizeLineEnded();
                    }
                }
                case SIZE_LF -> {
                    if (c != '\n') {
                        throw new InvalidResponseException("a chunk size line not ended by CRLF");
                    }
                    sizeLineEnded();
                }
                case DATA_CR -> {
                    if (c == '\r') {
                        state = DATA_LF;
                    } else if (c == '\n') {
                        state = SIZE_START;
                    } else {
                        throw new InvalidResponseException("chunk data longer than its size");
                    }
                }
                case DATA_LF -> {
                    if (c != '\n') {
                        throw new InvalidResponseException("chunk data longer than its size");
                    }
                    state = SIZE_START;
                }
                case TRAILER_START -> {
                    if (c == '\n') {
                        reset();
                        return i;
                    }
                    state = c == '\r' ? END_LF : TRAILER;
                }
                case TRAILER -> {
                    if (c == '\n') {
                        state = TRAILER_START;
                    }
                }
                case END_LF -> {
                    if (c != '\n') {
                        state = TRAILER; // a trailer line that starts with CR: odd, but only its LF ends it
                    } else {
                        reset();
                        return i;
                    }
                }
                default -> throw new IllegalStateException("chunked scanner state " + state);
            }
        }
        return -1;
    }

    private void size(byte c) {
        int digit = Character.digit(c, 16);
        if (digit >= 0) {
            if (++digits > MAX_SIZE_DIGITS) {
                throw new InvalidResponseException("a chunk size too large");
            }
            size = size * 16 + digit;
            state = SIZE;
        } else if (state == SIZE_START) {
            throw new InvalidResponseException("a chunk size that is not a hexadecimal number");
        } else if (c == ';' || c == ' ' || c == '\t') {
            state = EXTENSION;
        } else if (c == '\r') {
            state = SIZE_LF;
        } else if (c == '\n') {
            sizeLineEnded();
        } else {
            throw new InvalidResponseException("a chunk size that is not a hexadecimal number");
        }
    }

    private void sizeLineEnded() {
        digits = 0;
        state = size == 0 ? TRAILER_START : DATA;
    }
}
