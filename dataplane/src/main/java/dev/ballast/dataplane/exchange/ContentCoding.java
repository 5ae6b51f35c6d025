package dev.ballast.dataplane.exchange;

import java.util.Locale;

/** A content coding the proxy can compress responses with ({@code COMPRESSION_ALGO}). */
public enum ContentCoding {
    /** RFC 1952: a gzip member, its deflate stream with a header and a CRC-32 trailer. */
    GZIP("gzip", true),
    /** RFC 9110's {@code deflate}: a zlib stream (RFC 1950), not raw deflate. */
    DEFLATE("deflate", false);

    private final String token;
    private final boolean raw;

    ContentCoding(String token, boolean raw) {
        this.token = token;
        this.raw = raw;
    }

    /** Its name in {@code Accept-Encoding} and {@code Content-Encoding}. */
    public String token() {
        return token;
    }

    /** Whether its deflate stream is raw (gzip frames it itself) rather than zlib-wrapped. */
    boolean raw() {
        return raw;
    }

    /** The coding {@code name} names ({@code gzip}, {@code x-gzip}, {@code deflate}), case ignored. */
    public static ContentCoding of(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "gzip", "x-gzip" -> GZIP;
            case "deflate" -> DEFLATE;
            default -> throw new IllegalArgumentException("\"" + name + "\" is not a content coding the proxy"
                    + " compresses with (gzip, deflate)");
        };
    }
}
