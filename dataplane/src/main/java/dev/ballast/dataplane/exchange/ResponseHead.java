package dev.ballast.dataplane.exchange;

import static dev.ballast.dataplane.exchange.HeadLines.controlIn;
import static dev.ballast.dataplane.exchange.HeadLines.isBlank;
import static dev.ballast.dataplane.exchange.HeadLines.isOneOf;
import static dev.ballast.dataplane.exchange.HeadLines.isTokenChar;
import static dev.ballast.dataplane.exchange.HeadLines.text;
import static dev.ballast.dataplane.exchange.HeadLines.textIs;
import static dev.ballast.dataplane.exchange.HeadLines.valueStart;

import dev.ballast.schema.HeaderOperations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * An upstream's response head as it came (status line, header lines, blank line), with what the proxy needs to know
 * about it: status, version, body framing, whether the upstream keeps the connection. It goes to the client as
 * bytes: {@link #encode} copies the status line and every header line that stays, leaves out the hop-by-hop ones and
 * those the rule replaces or removes, and adds the rule's headers and the proxy's own {@code Connection}. No header
 * map is built, no line re-encoded: a response passes through at the cost of a copy of its head.
 *
 * <p>What two parsers could read differently is refused, not guessed at: a line not ended by CRLF, a control character
 * in the status line or a value, a name that is not a token, line folding, the ambiguous framings of {@link Framing}.
 * A {@code Content-Length} line repeated as it was is read as one, and forwarded once (RFC 9110 §8.6).
 *
 * <p>Holds a retained slice of the bytes read; whoever takes it releases it once.
 */
public final class ResponseHead extends DefaultByteBufHolder {

    /** The protocol name is case-sensitive (RFC 9112 2.3): {@code hTTP/1.1} is no status line. */
    private static final byte[] HTTP_1 = {'H', 'T', 'T', 'P', '/', '1', '.'};
    private static final int FIELDS = 3; // per header line: its start, its colon, the end of its value

    private final int minorVersion;
    private final int status;
    private final int statusLineEnd;
    private final int[] lines;
    private final int count;
    /** Header lines not to forward (hop-by-hop, or made wrong by the framing), one bit per line. */
    private final boolean[] dropped;
    private final long contentLength;
    private final boolean chunked;
    private final boolean keepAlive;
    private final String upgrade;

    private ResponseHead(ByteBuf head) {
        super(head);
        int end = head.writerIndex();
        int lineEnd = lineEnd(head, 0, end);
        statusLineEnd = trimCr(head, 0, lineEnd);
        minorVersion = version(head, statusLineEnd);
        status = statusCode(head, statusLineEnd);
        if (statusLineEnd == lineEnd || controlIn(head, 12, statusLineEnd)) {
            throw new InvalidResponseException("a status line not ended by CRLF, or with a control character");
        }
        int[] found = HeadLines.scratch(16 * FIELDS); // copied out at its size below: one small array per head
        int n = 0;
        long length = -1;
        int lengthDigits = 0; // a repeated Content-Length must be the same digits, not only the same number
        int repeatedLength = -1; // the first line that repeats the Content-Length, if any
        List<String> codings = null; // the transfer codings, in order, lower case
        boolean close = false;
        boolean keep = false;
        String upgradeTo = null;
        List<String> nominated = null;
        for (int start = lineEnd + 1, next; start < end; start = next + 1) {
            next = lineEnd(head, start, end);
            int stop = trimCr(head, start, next);
            if (stop == next) {
                throw new InvalidResponseException("a header line not ended by CRLF");
            }
            if (stop == start) {
                break; // the blank line
            }
            byte first = head.getByte(start);
            if (first == ' ' || first == '\t') {
                throw new InvalidResponseException("a folded header line (obsolete line folding)");
            }
            int colon = head.indexOf(start, stop, (byte) ':');
            if (colon <= start) {
                throw new InvalidResponseException("a header line without a name: \"" + text(head, start, stop) + "\"");
            }
            for (int i = start; i < colon; i++) {
                byte c = head.getByte(i);
                if (!isTokenChar(c)) {
                    throw new InvalidResponseException((c <= ' ' || c >= 127
                            ? "a header name with whitespace or a control character: \""
                            : "a header name that is not a token: \"") + text(head, start, colon) + "\"");
                }
            }
            int valueStart = colon + 1;
            while (valueStart < stop && isBlank(head.getByte(valueStart))) {
                valueStart++;
            }
            int valueEnd = stop;
            while (valueEnd > valueStart && isBlank(head.getByte(valueEnd - 1))) {
                valueEnd--;
            }
            if (controlIn(head, valueStart, valueEnd)) {
                throw new InvalidResponseException("a header value with a control character: "
                        + text(head, start, colon));
            }
            if (n == found.length / FIELDS) {
                found = HeadLines.scratch(found, found.length * 2);
            }
            found[n * FIELDS] = start;
            found[n * FIELDS + 1] = colon;
            found[n * FIELDS + 2] = valueEnd;
            n++;
            if (textIs(head, start, colon, HttpHeaderNames.CONTENT_LENGTH)) {
                long value = Framing.contentLength(head, valueStart, valueEnd);
                if (length >= 0 && (value != length || valueEnd - valueStart != lengthDigits)) {
                    throw new InvalidResponseException("differing Content-Length values");
                }
                repeatedLength = length >= 0 && repeatedLength < 0 ? n - 1 : repeatedLength;
                length = value;
                lengthDigits = valueEnd - valueStart;
            } else if (textIs(head, start, colon, HttpHeaderNames.TRANSFER_ENCODING)) {
                codings = codings == null ? new ArrayList<>(2) : codings;
                if (textIs(head, valueStart, valueEnd, HttpHeaderValues.CHUNKED)) {
                    codings.add("chunked"); // the usual value, not split
                } else {
                    Framing.addCodings(text(head, valueStart, valueEnd), codings);
                }
            } else if (textIs(head, start, colon, HttpHeaderNames.CONNECTION)) {
                // the usual values are compared in place; only others are copied out and split
                if (textIs(head, valueStart, valueEnd, HttpHeaderValues.KEEP_ALIVE)) {
                    keep = true;
                    continue;
                }
                for (String token : HopByHop.connectionTokens(text(head, valueStart, valueEnd))) {
                    if (token.equals("close")) {
                        close = true;
                    } else if (token.equals("keep-alive")) {
                        keep = true;
                    } else if (!token.equals("upgrade")) {
                        nominated = nominated == null ? new ArrayList<>(2) : nominated;
                        nominated.add(token);
                    }
                }
            } else if (textIs(head, start, colon, HttpHeaderNames.UPGRADE)) {
                upgradeTo = text(head, valueStart, valueEnd);
            }
        }
        boolean transferEncoding = codings != null;
        boolean teChunked = transferEncoding && Framing.chunkedResponse(codings, length >= 0, minorVersion == 0);
        lines = java.util.Arrays.copyOf(found, n * FIELDS);
        count = n;
        dropped = new boolean[n];
        for (int i = 0; i < n; i++) {
            int start = found[i * FIELDS];
            int colon = found[i * FIELDS + 1];
            // a repeated Content-Length goes once: two lines read as the list "n, n", which is no number
            dropped[i] = isHopByHop(head, start, colon)
                    || repeatedLength >= 0 && i >= repeatedLength
                            && textIs(head, start, colon, HttpHeaderNames.CONTENT_LENGTH)
                    || nominated != null && isOneOf(head, start, colon, nominated);
        }
        chunked = teChunked;
        // a transfer coding that does not end in chunked is delimited by the close (RFC 9112 §6.3)
        contentLength = transferEncoding ? -1 : length;
        keepAlive = !close && (minorVersion == 1 || keep) && !(transferEncoding && !teChunked);
        upgrade = upgradeTo;
    }

    /**
     * The head in {@code buf} from {@code from} to {@code to} (just past its blank line), as a retained slice.
     *
     * @throws InvalidResponseException when it is not a valid HTTP/1.0 or 1.1 response head
     */
    public static ResponseHead parse(ByteBuf buf, int from, int to) {
        ByteBuf slice = buf.retainedSlice(from, to - from);
        try {
            return new ResponseHead(slice);
        } catch (RuntimeException e) {
            slice.release();
            throw e instanceof InvalidResponseException ? e : new InvalidResponseException(e.toString());
        }
    }

    /**
     * Where the head that starts at {@code from} ends (the index past its blank line; a bare LF ends a line here, and
     * {@link #parse} refuses it), or -1 when {@code buf} does not hold all of it before {@code to}; {@code searchFrom}
     * skips what an earlier call searched already.
     */
    public static int end(ByteBuf buf, int from, int searchFrom, int to) {
        for (int lf = buf.indexOf(Math.max(from, searchFrom), to, (byte) '\n'); lf >= 0;
                lf = buf.indexOf(lf + 1, to, (byte) '\n')) {
            if (lf + 1 < to && buf.getByte(lf + 1) == '\n') {
                return lf + 2;
            }
            if (lf + 2 < to && buf.getByte(lf + 1) == '\r' && buf.getByte(lf + 2) == '\n') {
                return lf + 3;
            }
        }
        return -1;
    }

    public int status() {
        return status;
    }

    /** 1xx but 101: an interim answer, after which the final one comes. */
    public boolean interim() {
        return status >= 100 && status < 200 && status != 101;
    }

    /** Whether a body follows this head (none for 1xx, 204, 304, an answer to HEAD, or a zero length). */
    public boolean hasBody(boolean headRequest) {
        return !(headRequest || status < 200 || status == 204 || status == 304 || contentLength == 0);
    }

    /** Whether its body ends only with the upstream's close (no length, not chunked). */
    public boolean endsWithClose(boolean headRequest) {
        return hasBody(headRequest) && !chunked && contentLength < 0;
    }

    /** The declared body length, or -1 when there is none (or a transfer coding frames the body). */
    public long contentLength() {
        return contentLength;
    }

    public boolean chunked() {
        return chunked;
    }

    /** Whether the upstream keeps the connection open after this response. */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** The protocol of a 101's {@code Upgrade} header, or null. */
    public String upgrade() {
        return upgrade;
    }

    /** Whether the status line says {@code HTTP/1.1} (else {@code HTTP/1.0}). */
    public boolean http11() {
        return minorVersion == 1;
    }

    /**
     * The values of the header lines named {@code name} (ASCII case ignored), in their order, each as one string
     * (a line listing several values is not split); empty when there is none. Copies them out: not for every response.
     */
    public List<String> values(CharSequence name) {
        ByteBuf head = content();
        List<String> out = List.of();
        for (int i = 0; i < count; i++) {
            int start = lines[i * FIELDS];
            int colon = lines[i * FIELDS + 1];
            if (textIs(head, start, colon, name)) {
                out = out.isEmpty() ? new ArrayList<>(2) : out;
                int valueEnd = lines[i * FIELDS + 2];
                int from = valueStart(head, colon, valueEnd);
                out.add(text(head, from, valueEnd));
            }
        }
        return out;
    }

    /**
     * The head for the client: hop-by-hop headers left out, the rule's operations applied (removed and replaced
     * headers left out, set and added ones appended), then {@code Connection} as the proxy keeps the client
     * connection: nothing for an HTTP/1.1 keep-alive, {@code keep-alive} for HTTP/1.0, {@code close} when closing.
     */
    public ByteBuf encode(ByteBufAllocator alloc, HeaderOperations ops, boolean keepAliveToClient) {
        return encode(alloc, ops, keepAliveToClient, null, null);
    }

    /**
     * The same, with a {@code Set-Cookie} of the proxy's own (a sticky-session pin) unless {@code setCookie} is null,
     * and for a body the proxy sends in the content coding {@code coding} (compressed) unless that is null: then
     * without the framing the body came with ({@code Content-Length}, {@code Transfer-Encoding}) and without
     * {@code Accept-Ranges} (ranges of the coded body are not served); a strong {@code ETag} is made weak (same
     * content, other bytes) and {@code Accept-Encoding} is added to {@code Vary} (to the last {@code Vary} line, or on
     * a line of its own), unless the rule's operations replace these; then {@code Content-Encoding} and
     * {@code Transfer-Encoding: chunked}.
     */
    public ByteBuf encode(ByteBufAllocator alloc, HeaderOperations ops, boolean keepAliveToClient, String setCookie,
                          String coding) {
        String connection = !keepAliveToClient ? "close" : minorVersion == 0 ? "keep-alive" : null;
        return ClientHeadWriter.write(this, alloc, ops, lines(setCookie == null ? null : "Set-Cookie: " + setCookie,
                connection == null ? null : "Connection: " + connection), coding);
    }

    /** Header lines, those not null, CRLF between them; null when none is. */
    private static String lines(String first, String second) {
        return first == null ? second : second == null ? first : first + "\r\n" + second;
    }

    /** An interim (1xx) head for the client: only the hop-by-hop headers are left out. */
    public ByteBuf encodeInterim(ByteBufAllocator alloc) {
        return ClientHeadWriter.write(this, alloc, HeaderOperations.NONE, null, null);
    }

    /** A 101 for the client, which switches to {@code protocol}: the rule's operations, and the upgrade headers. */
    public ByteBuf encodeSwitch(ByteBufAllocator alloc, HeaderOperations ops, String protocol) {
        return encodeSwitch(alloc, ops, protocol, null);
    }

    /** The same, with a {@code Set-Cookie} of the proxy's own when {@code setCookie} is not null. */
    public ByteBuf encodeSwitch(ByteBufAllocator alloc, HeaderOperations ops, String protocol, String setCookie) {
        return ClientHeadWriter.write(this, alloc, ops, lines(setCookie == null ? null : "Set-Cookie: " + setCookie,
                "Connection: upgrade\r\nUpgrade: " + protocol), null);
    }

    /** Tells {@code action} of each header that goes on to the client, name and value (trimmed), in order. */
    public void forEachForwardedHeader(BiConsumer<String, String> action) {
        ByteBuf head = content();
        for (int i = 0; i < count; i++) {
            if (!dropped[i]) {
                int colon = colon(i);
                action.accept(text(head, nameStart(i), colon), text(head, valueStart(head, colon, valueEnd(i)),
                        valueEnd(i)));
            }
        }
    }

    /** The status line's end (before its CRLF). */
    int statusLineEnd() {
        return statusLineEnd;
    }

    /** How many header lines the head has. */
    int headerCount() {
        return count;
    }

    /** Where header line {@code i} starts (its name). */
    int nameStart(int i) {
        return lines[i * FIELDS];
    }

    /** Where header line {@code i}'s colon is (the name's end). */
    int colon(int i) {
        return lines[i * FIELDS + 1];
    }

    /** Where header line {@code i}'s value ends (before its CRLF). */
    int valueEnd(int i) {
        return lines[i * FIELDS + 2];
    }

    /** Whether header line {@code i} goes on to the client (not hop-by-hop, not made wrong by the framing). */
    boolean forwarded(int i) {
        return !dropped[i];
    }

    // ------------------------------------------------------------------------------------------------ parsing

    private static int lineEnd(ByteBuf head, int from, int end) {
        int lf = head.indexOf(from, end, (byte) '\n');
        return lf < 0 ? end : lf;
    }

    private static int trimCr(ByteBuf head, int start, int lf) {
        return lf > start && head.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    }

    /** {@code HTTP/1.0} or {@code HTTP/1.1}: the minor version. */
    private static int version(ByteBuf head, int lineEnd) {
        if (lineEnd < 12 || !HeadLines.startsWith(head, HTTP_1) || head.getByte(8) != ' ') {
            throw new InvalidResponseException("not an HTTP/1.x status line: \"" + text(head, 0, Math.min(lineEnd, 60))
                    + "\"");
        }
        byte minor = head.getByte(7);
        if (minor != '0' && minor != '1') {
            throw new InvalidResponseException("an unsupported version: \"" + text(head, 0, 8) + "\"");
        }
        return minor - '0';
    }

    private static int statusCode(ByteBuf head, int lineEnd) {
        int code = 0;
        for (int i = 9; i < 12; i++) {
            byte c = head.getByte(i);
            if (c < '0' || c > '9') {
                throw new InvalidResponseException("a status line without a three-digit code: \""
                        + text(head, 0, Math.min(lineEnd, 60)) + "\"");
            }
            code = code * 10 + c - '0';
        }
        if (code < 100 || lineEnd > 12 && head.getByte(12) != ' ') {
            throw new InvalidResponseException("a status line without a three-digit code: \""
                    + text(head, 0, Math.min(lineEnd, 60)) + "\"");
        }
        return code;
    }

    private static boolean isHopByHop(ByteBuf head, int start, int colon) {
        return isOneOf(head, start, colon, HopByHop.NAMES);
    }
}
