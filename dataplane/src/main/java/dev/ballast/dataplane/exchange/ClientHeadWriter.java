package dev.ballast.dataplane.exchange;

import static dev.ballast.dataplane.exchange.HeadLines.CRLF;
import static dev.ballast.dataplane.exchange.HeadLines.isOneOf;
import static dev.ballast.dataplane.exchange.HeadLines.text;
import static dev.ballast.dataplane.exchange.HeadLines.textIs;
import static dev.ballast.dataplane.exchange.HeadLines.valueStart;
import static dev.ballast.dataplane.exchange.HeadLines.writeHeader;

import dev.ballast.schema.HeaderOperations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link ResponseHead} for the client: the status line and every header line that stays, copied as they came;
 * the lines the rule replaces or removes left out; a coded body's framing changed; then the rule's headers and the
 * proxy's own lines.
 */
final class ClientHeadWriter {

    /** Header lines a coded (compressed) body makes wrong. */
    private static final List<AsciiString> FRAMING_OF_CODED = List.of(HttpHeaderNames.CONTENT_LENGTH,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.ACCEPT_RANGES);
    private static final String VARY = HttpHeaderNames.VARY.toString();
    /** A {@code Vary: Accept-Encoding} line of its own is added. */
    private static final int NEW_VARY_LINE = Integer.MAX_VALUE;

    private ClientHeadWriter() {
    }

    /**
     * The head for the client; {@code extra} are the proxy's own lines (CRLF between them, null for none),
     * {@code coding} the content coding the proxy applies to the body (null for none).
     */
    static ByteBuf write(ResponseHead response, ByteBufAllocator alloc, HeaderOperations ops, String extra,
                         String coding) {
        ByteBuf head = response.content();
        ByteBuf out = alloc.buffer(head.readableBytes() + (coding == null ? 64 : 160));
        out.writeBytes(head, 0, response.statusLineEnd()).writeShort(CRLF);
        boolean operations = !ops.isEmpty();
        int varyLine = coding == null ? -1 : varyToExtend(response, head, ops);
        for (int i = 0; i < response.headerCount(); i++) {
            int start = response.nameStart(i);
            int colon = response.colon(i);
            if (!response.forwarded(i) || operations && replaced(head, start, colon, ops)) {
                continue;
            }
            int valueEnd = response.valueEnd(i);
            if (coding != null) {
                if (isOneOf(head, start, colon, FRAMING_OF_CODED)) {
                    continue;
                }
                if (textIs(head, start, colon, HttpHeaderNames.ETAG)) {
                    int from = valueStart(head, colon, valueEnd);
                    boolean weak = valueEnd - from >= 2 && head.getByte(from) == 'W' && head.getByte(from + 1) == '/';
                    writeHeader(out, "ETag", (weak ? "" : "W/") + text(head, from, valueEnd));
                    continue;
                }
                if (i == varyLine) {
                    boolean empty = valueStart(head, colon, valueEnd) == valueEnd;
                    out.writeBytes(head, start, valueEnd - start)
                            .writeCharSequence(empty ? "Accept-Encoding" : ", Accept-Encoding", StandardCharsets.US_ASCII);
                    out.writeShort(CRLF);
                    continue;
                }
            }
            out.writeBytes(head, start, valueEnd - start).writeShort(CRLF);
        }
        if (coding != null) {
            writeHeader(out, "Content-Encoding", coding);
            writeHeader(out, "Transfer-Encoding", "chunked");
            if (varyLine == NEW_VARY_LINE) {
                writeHeader(out, "Vary", "Accept-Encoding");
            }
        }
        if (operations) {
            for (Map.Entry<String, String> set : ops.set().entrySet()) {
                writeHeader(out, set.getKey(), set.getValue());
            }
            for (Map.Entry<String, String> add : ops.add().entrySet()) {
                writeHeader(out, add.getKey(), add.getValue());
            }
        }
        if (extra != null) {
            out.writeCharSequence(extra, StandardCharsets.ISO_8859_1);
            out.writeShort(CRLF);
        }
        return out.writeShort(CRLF);
    }

    /**
     * Which {@code Vary} line gets {@code Accept-Encoding} appended: the last one forwarded; {@link #NEW_VARY_LINE}
     * when none is (one is added), -1 when none must change (a line already lists it or {@code *}, or the rule's
     * operations set or remove {@code Vary}).
     */
    private static int varyToExtend(ResponseHead response, ByteBuf head, HeaderOperations ops) {
        if (ops.remove().stream().anyMatch(VARY::equalsIgnoreCase)
                || ops.set().keySet().stream().anyMatch(VARY::equalsIgnoreCase)) {
            return -1;
        }
        int last = NEW_VARY_LINE;
        for (int i = 0; i < response.headerCount(); i++) {
            int start = response.nameStart(i);
            int colon = response.colon(i);
            if (!response.forwarded(i) || !textIs(head, start, colon, HttpHeaderNames.VARY)) {
                continue;
            }
            for (String token : text(head, colon + 1, response.valueEnd(i)).split(",")) {
                String t = token.trim();
                if (t.equals("*") || t.equalsIgnoreCase("accept-encoding")) {
                    return -1;
                }
            }
            last = i;
        }
        return last;
    }

    private static boolean replaced(ByteBuf head, int start, int colon, HeaderOperations ops) {
        if (isOneOf(head, start, colon, ops.remove())) {
            return true;
        }
        for (String name : ops.set().keySet()) {
            if (textIs(head, start, colon, name)) {
                return true;
            }
        }
        return false;
    }
}
