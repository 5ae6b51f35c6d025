package dev.ballast.dataplane.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * On a plain HTTP/1.1 connection, takes up an {@code Upgrade: h2c} (RFC 7540 §3.2): a request without a body whose
 * {@code HTTP2-Settings} decode is answered {@code 101 Switching Protocols}, the HTTP/1.1 handlers leave, and the
 * request is served as HTTP/2 stream 1 by the handlers {@link Http2Server} adds. Other requests pass as they came, as
 * they are read (the aggregation of Netty's handler applies to a switching request only, which has no body); one that
 * offers {@code h2c} but cannot switch is served over HTTP/1.1, as the RFC lets a server choose.
 */
public final class H2cUpgrade extends HttpServerUpgradeHandler {

    private static final AsciiString H2C = AsciiString.cached("h2c");

    /**
     * @param upgrade what switches the connection (its HTTP/2 handlers), made per request that asks
     * @param leaveHttp1 removes the HTTP/1.1 handlers of the connection (all but this one, which leaves by itself)
     */
    public H2cUpgrade(Supplier<UpgradeCodec> upgrade, Consumer<ChannelHandlerContext> leaveHttp1) {
        super(leaveHttp1::accept, protocol -> H2C.contentEqualsIgnoreCase(protocol) ? upgrade.get() : null, 0);
    }

    /** Only a bodiless request that offers {@code h2c} is held for the switch; the rest stream through. */
    @Override
    protected boolean shouldHandleUpgradeRequest(HttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.UPGRADE, H2C, true)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
    }
}
