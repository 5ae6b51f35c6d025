package dev.ballast.dataplane.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Reading and writing header lines in place, on the bytes of a head: no header map, no decoding of what passes. */
final class HeadLines {

    static final short CRLF = ('\r' << 8) | '\n';
    /** The {@code tchar}s of RFC 9110 §5.6.2, by their code. */
    private static final boolean[] TOKEN = new boolean[127];

    static {
        for (char c = '!'; c < 127; c++) {
            TOKEN[c] = "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }
    }

    /** Each event loop's array to collect a head's offsets in before they are copied out at their number. */
    private static final FastThreadLocal<int[]> SCRATCH = new FastThreadLocal<>();

    private HeadLines() {
    }

    /** This thread's scratch array, at least {@code size} long (its contents are whatever the last user left). */
    static int[] scratch(int size) {
        int[] scratch = SCRATCH.get();
        if (scratch == null || scratch.length < size) {
            scratch = new int[size];
            SCRATCH.set(scratch);
        }
        return scratch;
    }

    /** This thread's scratch array grown to {@code size}, with {@code used}'s contents. */
    static int[] scratch(int[] used, int size) {
        int[] grown = java.util.Arrays.copyOf(used, size);
        SCRATCH.set(grown);
        return grown;
    }

    /**
     * Whether the bytes from {@code start} to {@code end} are one of {@code names}, ASCII case ignored. Indexed rather
     * than iterated: called for every header line of every response, where an iterator per call would not always be
     * optimised away.
     */
    static boolean isOneOf(ByteBuf head, int start, int end, List<? extends CharSequence> names) {
        for (int i = 0; i < names.size(); i++) {
            if (textIs(head, start, end, names.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code head} starts with exactly these bytes (case counts). */
    static boolean startsWith(ByteBuf head, byte[] prefix) {
        if (head.writerIndex() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (head.getByte(i) != prefix[i]) {
                return false;
            }
        }
        return true;
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

    /** A {@code tchar} of RFC 9110 §5.6.2: what field names, transfer codings and chunk extension names are made of. */
    static boolean isTokenChar(byte c) {
        return c > 0 && c < TOKEN.length && TOKEN[c];
    }

    /**
     * Whether {@code c} may not appear in a field value, a reason phrase or a chunk extension: a control character
     * other than HTAB (a CR or LF among them, which could end a line for one parser and not for another).
     */
    static boolean isControl(byte c) {
        return c >= 0 && c < ' ' && c != '\t' || c == 127;
    }

    /** Whether a control character (other than HTAB) lies between {@code from} and {@code to}. */
    static boolean controlIn(ByteBuf head, int from, int to) {
        for (int i = from; i < to; i++) {
            if (isControl(head.getByte(i))) {
                return true;
            }
        }
        return false;
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
