package dev.ballast.dataplane.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The proxy's own answers: short plain-text bodies that say why, never a stack trace; for an error, the operator's page
 * for its status instead, when {@link ErrorPages} has one. Callers add the headers the answer needs ({@code Allow},
 * {@code WWW-Authenticate}, {@code Location}) whichever body it has.
 */
final class Responses {

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String HTML = "text/html; charset=utf-8";

    private Responses() {
    }

    /** An answer with the plain-text {@code body} (redirects, and errors without a page). */
    static FullHttpResponse text(HttpResponseStatus status, String body, boolean keepAlive) {
        return response(status, Unpooled.copiedBuffer(body + "\n", StandardCharsets.UTF_8), TEXT, keepAlive);
    }

    /** An answer whose plain-text body is exactly {@code body}, nothing added (an ACME key authorization). */
    static FullHttpResponse exact(HttpResponseStatus status, String body, boolean keepAlive) {
        return response(status, Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII), TEXT, keepAlive);
    }

    /** An error answer: the page {@code pages} has for its status, else the plain-text {@code body}. */
    static FullHttpResponse error(ErrorPages pages, HttpResponseStatus status, String body, boolean keepAlive) {
        ByteBuf page = pages.page(status.code());
        return page == null ? text(status, body, keepAlive) : response(status, page, HTML, keepAlive);
    }

    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf content, String type,
                                             boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return response;
    }
}
