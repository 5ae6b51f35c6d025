package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** {@code /_ping}, {@code /version}, {@code /info} and {@code /swarm}: what clients ask before anything else. */
final class SystemHandler implements ResourceHandler {

    private final Cluster cluster;

    SystemHandler(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        switch (r.segment(0)) {
            case "_ping" -> {
                if (r.is("GET", 1) || r.is("HEAD", 1)) {
                    ping(ctx, r.method().equals(HttpMethod.HEAD));
                    return true;
                }
            }
            case "version" -> {
                if (r.is("GET", 1)) {
                    Responses.json(ctx, 200, cluster.read(EngineJson::version));
                    return true;
                }
            }
            case "info" -> {
                if (r.is("GET", 1)) {
                    Responses.json(ctx, 200, cluster.read(EngineJson::info));
                    return true;
                }
            }
            case "swarm" -> {
                if (r.is("GET", 1)) {
                    Responses.json(ctx, 200, cluster.read(EngineJson::swarm));
                    return true;
                }
            }
            default -> {
            }
        }
        return false;
    }

    /** Clients read the swarm state and the builder version from the ping's headers, so they are all here. */
    private static void ping(ChannelHandlerContext ctx, boolean head) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer("OK", StandardCharsets.UTF_8));
        Responses.engineHeaders(response.headers());
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, Responses.TEXT)
                .set("Swarm", "active/manager")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache, no-store, must-revalidate")
                .set(HttpHeaderNames.PRAGMA, "no-cache")
                .set("Builder-Version", "2")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, head ? 0 : 2);
        ctx.writeAndFlush(response);
    }
}
