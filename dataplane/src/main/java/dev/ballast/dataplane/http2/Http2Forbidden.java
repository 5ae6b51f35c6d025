package dev.ballast.dataplane.http2;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import java.util.Set;

/** The connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2): they never go into a stream's headers. */
public final class Http2Forbidden {

    private static final Set<AsciiString> NAMES = Set.of(HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            AsciiString.cached("proxy-connection"), HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.TE, HttpHeaderNames.HOST);

    private Http2Forbidden() {
    }

    /** Whether {@code name} (lower case) is one of them; {@code host} too, which {@code :authority} replaces. */
    public static boolean isConnectionSpecific(CharSequence name) {
        return NAMES.contains(AsciiString.of(name));
    }
}
