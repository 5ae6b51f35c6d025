package dev.ballast.dataplane.exchange;

import static dev.ballast.dataplane.exchange.HeadLines.isBlank;
import static dev.ballast.dataplane.exchange.HeadLines.isControl;
import static dev.ballast.dataplane.exchange.HeadLines.isTokenChar;

import io.netty.buffer.ByteBuf;

/**
 * Follows a chunked body (RFC 9112 §7.1) byte by byte as it passes through, to find where it ends: chunk sizes with
 * their extensions, chunk data, the last chunk and the trailer section. It keeps nothing of the bytes; they go on to
 * the client as they came, in whatever pieces the reads cut them into; when the body is to be re-coded (compressed),
 * a {@link Data} receiver is told where the chunk data lies in them. One body at a time; {@link #reset} before the
 * next.
 *
 * <p>Since the bytes go on as they came, whoever reads them next must find the same end: anything two parsers could
 * frame differently is refused rather than passed on. Every line ends with CRLF (a bare LF or CR is refused), chunk
 * extensions and trailer lines follow their grammar (RFC 9112 §7.1.1, §7.1.2), and a size line and the trailer section
 * have bounds.
 */
public final class ChunkedScanner {

    /** The longest chunk size line (size and extensions, without its CRLF): the client side's decoder's bound. */
    public static final int MAX_SIZE_LINE = 8192;
    /** The largest trailer section, line ends included: a response head's bound. */
    public static final int MAX_TRAILERS = 64 * 1024;

    private static final int SIZE_START = 0;
    private static final int SIZE = 1;
    /** Blanks after the size: only an extension may follow. */
    private static final int SIZE_BLANK = 2;
    /** After a {@code ;}: blanks, then an extension's name. */
    private static final int EXT_NAME_START = 3;
    private static final int EXT_NAME = 4;
    /** Blanks after an extension's name: only {@code =} or {@code ;} may follow. */
    private static final int EXT_NAME_BLANK = 5;
    /** After {@code =}: blanks, then a token or a quoted string. */
    private static final int EXT_VALUE_START = 6;
    private static final int EXT_TOKEN = 7;
    private static final int EXT_QUOTED = 8;
    private static final int EXT_QUOTED_PAIR = 9;
    /** Just past a quoted string's closing quote. */
    private static final int EXT_QUOTED_END = 10;
    /** Blanks after a value: only {@code ;} may follow. */
    private static final int EXT_VALUE_BLANK = 11;
    private static final int SIZE_LF = 12;
    private static final int DATA = 13;
    private static final int DATA_CR = 14;
    private static final int DATA_LF = 15;
    /** The start of a trailer line, or of the blank line that ends the body; the trailer states come last. */
    private static final int TRAILER_START = 16;
    private static final int TRAILER_NAME = 17;
    private static final int TRAILER_VALUE = 18;
    private static final int TRAILER_LF = 19;
    private static final int END_LF = 20;
    /** 15 significant hex digits: sizes below 2^60, far beyond any body, and no overflow. */
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
    /** Bytes of the size line, or of the trailer section, so far. */
    private int length;

    public void reset() {
        state = SIZE_START;
        size = 0;
        digits = 0;
        length = 0;
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
            if (state >= TRAILER_START) {
                if (data != null) {
                    data.trailer(c);
                }
                if (++length > MAX_TRAILERS) {
                    throw new InvalidResponseException("a trailer section too large (over " + MAX_TRAILERS / 1024
                            + " KiB)");
                }
                if (trailer(c)) {
                    reset();
                    return i;
                }
            } else if (state < SIZE_LF) {
                if (c != '\r' && ++length > MAX_SIZE_LINE) {
                    throw new InvalidResponseException("a chunk size line too long (over " + MAX_SIZE_LINE + " bytes)");
                }
                sizeLine(c);
            } else {
                lineEnd(c);
            }
        }
        return -1;
    }

    /**
     * A byte of a chunk size line: the size, then extensions, {@code *( BWS ";" BWS name [ BWS "=" BWS value ] )}. The
     * line may end after the size, a name, or a value, never after blanks.
     */
    private void sizeLine(byte c) {
        state = switch (state) {
            case SIZE_START, SIZE -> size(c);
            case SIZE_BLANK -> c == ';' ? EXT_NAME_START : isBlank(c) ? SIZE_BLANK : invalidExtension(c);
            case EXT_NAME_START -> isTokenChar(c) ? EXT_NAME : isBlank(c) ? EXT_NAME_START : invalidExtension(c);
            case EXT_NAME -> isTokenChar(c) ? EXT_NAME : c == '\r' ? SIZE_LF : afterName(c);
            case EXT_NAME_BLANK -> afterName(c);
            case EXT_VALUE_START -> c == '"' ? EXT_QUOTED : isTokenChar(c) ? EXT_TOKEN
                    : isBlank(c) ? EXT_VALUE_START : invalidExtension(c);
            case EXT_TOKEN -> isTokenChar(c) ? EXT_TOKEN : c == '\r' ? SIZE_LF : afterValue(c);
            case EXT_QUOTED -> c == '"' ? EXT_QUOTED_END : c == '\\' ? EXT_QUOTED_PAIR
                    : isControl(c) ? invalidExtension(c) : EXT_QUOTED;
            case EXT_QUOTED_PAIR -> isControl(c) ? invalidExtension(c) : EXT_QUOTED;
            case EXT_QUOTED_END -> c == '\r' ? SIZE_LF : afterValue(c);
            case EXT_VALUE_BLANK -> afterValue(c);
            default -> throw new IllegalStateException("chunked scanner state " + state);
        };
    }

    private int size(byte c) {
        int digit = Character.digit(c, 16);
        if (digit >= 0) {
            // leading zeros are no digits: only the value's own digits could overflow
            if ((digits > 0 || digit > 0) && ++digits > MAX_SIZE_DIGITS) {
                throw new InvalidResponseException("a chunk size too large");
            }
            size = size * 16 + digit;
            return SIZE;
        }
        if (state == SIZE && (c == '\r' || c == ';' || isBlank(c))) {
            return c == '\r' ? SIZE_LF : c == ';' ? EXT_NAME_START : SIZE_BLANK;
        }
        throw new InvalidResponseException(c == '\n' && state == SIZE ? "a chunk size line not ended by CRLF"
                : "a chunk size that is not a hexadecimal number");
    }

    /** After a name: its value, another extension, or blanks before either. */
    private static int afterName(byte c) {
        return c == '=' ? EXT_VALUE_START : c == ';' ? EXT_NAME_START : isBlank(c) ? EXT_NAME_BLANK
                : invalidExtension(c);
    }

    /** After a value: another extension, or blanks before it. */
    private static int afterValue(byte c) {
        return c == ';' ? EXT_NAME_START : isBlank(c) ? EXT_VALUE_BLANK : invalidExtension(c);
    }

    private static int invalidExtension(byte c) {
        throw new InvalidResponseException(c == '\n' ? "a chunk size line not ended by CRLF"
                : "an invalid chunk extension");
    }

    /** The CRLF that ends a size line, or chunk data. */
    private void lineEnd(byte c) {
        switch (state) {
            case SIZE_LF -> {
                if (c != '\n') {
                    throw new InvalidResponseException("a chunk size line not ended by CRLF");
                }
                digits = 0;
                length = 0;
                state = size == 0 ? TRAILER_START : DATA;
            }
            case DATA_CR -> {
                if (c != '\r') {
                    throw new InvalidResponseException(c == '\n' ? "chunk data not ended by CRLF"
                            : "chunk data longer than its size");
                }
                state = DATA_LF;
            }
            case DATA_LF -> {
                if (c != '\n') {
                    throw new InvalidResponseException("chunk data longer than its size");
                }
                state = SIZE_START;
            }
            default -> throw new IllegalStateException("chunked scanner state " + state);
        }
    }

    /** A byte of the trailer section: {@code *( field-line CRLF ) CRLF}. Whether it ends the body. */
    private boolean trailer(byte c) {
        switch (state) {
            case TRAILER_START -> {
                if (c == '\r') {
                    state = END_LF;
                } else if (isTokenChar(c)) {
                    state = TRAILER_NAME;
                } else {
                    throw new InvalidResponseException(isBlank(c) ? "a folded trailer line (obsolete line folding)"
                            : c == '\n' ? "a trailer section not ended by CRLF" : "a trailer line without a name");
                }
            }
            case TRAILER_NAME -> {
                if (c == ':') {
                    state = TRAILER_VALUE;
                } else if (!isTokenChar(c)) {
                    throw new InvalidResponseException("a trailer line without a valid name");
                }
            }
            case TRAILER_VALUE -> {
                if (c == '\r') {
                    state = TRAILER_LF;
                } else if (isControl(c)) {
                    throw new InvalidResponseException(c == '\n' ? "a trailer line not ended by CRLF"
                            : "a trailer value with a control character");
                }
            }
            case TRAILER_LF -> {
                if (c != '\n') {
                    throw new InvalidResponseException("a trailer line not ended by CRLF");
                }
                state = TRAILER_START;
            }
            case END_LF -> {
                if (c != '\n') {
                    throw new InvalidResponseException("a trailer section not ended by CRLF");
                }
                return true;
            }
            default -> throw new IllegalStateException("chunked scanner state " + state);
        }
        return false;
    }
}
