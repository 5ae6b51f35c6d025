package dev.ballast.controller.api;

import dev.ballast.schema.RouteJson;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** How every endpoint of the API answers: one full response, JSON unless said otherwise. */
final class Responses {

    private Responses() {
    }

    static void json(ChannelHandlerContext ctx, int status, Object body) {
        send(ctx, HttpResponseStatus.valueOf(status), RouteJson.writeBytes(body), null);
    }

    /** JSON for people to read: every password and password hash in it shown as {@link RouteJson#REDACTED}. */
    static void redactedJson(ChannelHandlerContext ctx, int status, Object body) {
        send(ctx, HttpResponseStatus.valueOf(status), RouteJson.writeRedactedBytes(body), null);
    }

    static void send(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, String version) {
        send(ctx, status, body, version, HttpHeaderValues.APPLICATION_JSON.toString());
    }

    static void send(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, String version,
                     String contentType) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        if (body != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        if (version != null) {
            response.headers().set("Ballast-Version", version);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.length);
        ctx.writeAndFlush(response);
    }
}
