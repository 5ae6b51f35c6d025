package dev.ballast.sim.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Writing answers the engine's way. Every answer carries the engine's identifying headers, since clients read the
 * API version and the OS type from any response, errors included.
 */
final class Responses {

    /** The engine's content type for log streams of TTY containers (and of any container before API 1.42). */
    static final String RAW_STREAM = "application/vnd.docker.raw-stream";
    static final String TEXT = "text/plain; charset=utf-8";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Responses() {
    }

    static void json(ChannelHandlerContext ctx, int status, JsonNode body) {
        raw(ctx, status, "application/json", body.toString() + "\n");
    }

    /** An error as the engine writes it: {@code {"message": …}}. */
    static void error(ChannelHandlerContext ctx, int status, String message) {
        json(ctx, status, JSON.objectNode().put("message", message));
    }

    /** A complete answer; no {@code Content-Type} when {@code contentType} is null (the engine's 204s have none). */
    static void raw(ChannelHandlerContext ctx, int status, String contentType, String body) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), content);
        engineHeaders(response.headers());
        if (contentType != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        ctx.writeAndFlush(response);
    }

    /** The head of a chunked answer whose body follows as it happens, as {@code /events} streams. */
    static void streamHead(ChannelHandlerContext ctx, String contentType) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        engineHeaders(head.headers());
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.writeAndFlush(head);
    }

    static void engineHeaders(HttpHeaders headers) {
        headers.set("Api-Version", EngineJson.API_VERSION)
                .set(HttpHeaderNames.SERVER, "Docker/" + EngineJson.ENGINE_VERSION + " (linux)")
                .set("Ostype", "linux")
                .set("Docker-Experimental", "false");
    }
}
