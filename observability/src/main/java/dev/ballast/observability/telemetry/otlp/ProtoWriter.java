package dev.ballast.observability.telemetry.otlp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Protocol Buffers' wire format, written front to back into one array that grows and is reused from message to
 * message. A nested message's length is known only once its content is written: {@link #beginMessage} leaves room
 * for it and {@link #endMessage} writes it there, moving the content when the length turns out to need another number
 * of bytes (rare when the room is chosen for the message's usual size). One pass, no sizes computed ahead and no
 * objects per field. Not thread-safe: one per exporting thread. Writes past 256 MiB are not supported (the mark packs
 * a position and a count in an int).
 */
final class ProtoWriter {

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    /** The value of each lowercase hex digit by its ASCII code (the API's ids are valid lowercase hex). */
    private static final byte[] HEX_VALUES = new byte[128];

    static {
        for (int i = 0; i < 16; i++) {
            HEX_VALUES["0123456789abcdef".charAt(i)] = (byte) i;
        }
    }

    private byte[] bytes;
    private int position;

    ProtoWriter(int initialCapacity) {
        bytes = new byte[initialCapacity];
    }

    void clear() {
        position = 0;
    }

    /** The array written so far; valid up to {@link #length()} until the next write. */
    byte[] array() {
        return bytes;
    }

    int length() {
        return position;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, position);
    }

    /** Opens a length-delimited field expected to be under 128 bytes; returns the mark for {@link #endMessage}. */
    int beginMessage(int field) {
        return beginMessage(field, 1);
    }

    /**
     * Opens a length-delimited field, leaving {@code lengthBytes} for its length: the number its usual size needs, so
     * that the content rarely moves. Returns the mark to pass to {@link #endMessage}.
     */
    int beginMessage(int field, int lengthBytes) {
        tag(field, LENGTH_DELIMITED);
        ensure(lengthBytes);
        int mark = position;
        position += lengthBytes;
        return mark << 3 | lengthBytes; // where the length goes, and the room left for it
    }

    void endMessage(int mark) {
        int at = mark >>> 3;
        int reserved = mark & 7;
        int length = position - at - reserved;
        int lengthSize = varintSize(length);
        if (lengthSize != reserved) {
            ensure(lengthSize - reserved);
            System.arraycopy(bytes, at + reserved, bytes, at + lengthSize, length);
            position += lengthSize - reserved;
        }
        int end = position;
        position = at;
        varint(length);
        position = end;
    }

    /** A varint field, left out when zero as proto3 leaves out default values. */
    void uint64(int field, long value) {
        if (value != 0) {
            int64Always(field, value);
        }
    }

    /** A varint field written even when zero: a member of a oneof, whose presence is the point. */
    void int64Always(int field, long value) {
        tag(field, VARINT);
        varint(value);
    }

    void fixed64(int field, long value) {
        if (value != 0) {
            fixed64Always(field, value);
        }
    }

    void fixed64Always(int field, long value) {
        tag(field, FIXED64);
        littleEndian(value, 8);
    }

    void fixed32(int field, int value) {
        if (value != 0) {
            tag(field, FIXED32);
            littleEndian(value, 4);
        }
    }

    /** A string field, left out when empty or absent (null), as proto3 leaves out default values. */
    void string(int field, String value) {
        if (value != null && !value.isEmpty()) {
            stringAlways(field, value);
        }
    }

    /** A string field written even when empty (a oneof member). ASCII, the usual case, is copied char by char. */
    void stringAlways(int field, String value) {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            if (value.charAt(i) >= 0x80) {
                bytesAlways(field, value.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        lengthDelimited(field, length);
        value.getBytes(0, length, bytes, position); // deprecated for its lossy narrowing, exact for ASCII
        position += length;
    }

    void bytesAlways(int field, byte[] value) {
        lengthDelimited(field, value.length);
        System.arraycopy(value, 0, bytes, position, value.length);
        position += value.length;
    }

    /** Lowercase hex (a trace or span id as the API gives it) as the bytes it spells; left out when null. */
    void hexAsBytes(int field, String hex) {
        if (hex == null) {
            return;
        }
        int length = hex.length() / 2;
        lengthDelimited(field, length);
        for (int i = 0; i < length; i++) {
            int high = HEX_VALUES[hex.charAt(2 * i) & 0x7F];
            int low = HEX_VALUES[hex.charAt(2 * i + 1) & 0x7F];
            bytes[position++] = (byte) (high << 4 | low);
        }
    }

    /** The tag and length of a field whose {@code length} bytes the caller writes next; room is made for them. */
    private void lengthDelimited(int field, int length) {
        tag(field, LENGTH_DELIMITED);
        varint(length);
        ensure(length);
    }

    private void littleEndian(long value, int count) {
        ensure(count);
        for (int i = 0; i < count; i++) {
            bytes[position++] = (byte) (value >>> (8 * i));
        }
    }

    private void tag(int field, int wireType) {
        varint(((long) field << 3) | wireType);
    }

    private void varint(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            bytes[position++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        bytes[position++] = (byte) value;
    }

    private static int varintSize(int value) {
        return value < (1 << 7) ? 1 : value < (1 << 14) ? 2 : value < (1 << 21) ? 3 : value < (1 << 28) ? 4 : 5;
    }

    private void ensure(int more) {
        if (position + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, position + more));
        }
    }
}
