package dev.ballast.dataplane.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/** Reading and writing header lines in place, on the bytes of a head: no header map, no decoding of what passes. */
final class HeadLines {

    static final short CRLF = ('\r' << 8) | '\n';

    private HeadLines() {
    }

    static boolean isOneOf(ByteBuf head, int start, int end, Iterable<? extends CharSequence> names) {
        for (CharSequence name : names) {
            if (textIs(head, start, end, name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the bytes from {@code start} to {@code end} are {@code text}, ASCII case ignored (a name, or a value). */
    static boolean textIs(ByteBuf head, int start, int end, CharSequence text) {
        if (end - start != text.length()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (AsciiString.toLowerCase((char) (head.getByte(start + i) & 0xff))
                    != AsciiString.toLowerCase(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Where the value of a header line starts: past the colon and the blanks after it. */
    static int valueStart(ByteBuf head, int colon, int valueEnd) {
        int from = colon + 1;
        while (from < valueEnd && isBlank(head.getByte(from))) {
            from++;
        }
        return from;
    }

    static boolean isBlank(byte c) {
        return c == ' ' || c == '\t';
    }

    static String text(ByteBuf head, int from, int to) {
        return head.toString(from, to - from, StandardCharsets.ISO_8859_1);
    }

    static void writeHeader(ByteBuf out, String name, String value) {
        out.writeCharSequence(name, StandardCharsets.ISO_8859_1);
        out.writeByte(':').writeByte(' ');
        out.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        out.writeShort(CRLF);
    }
}
