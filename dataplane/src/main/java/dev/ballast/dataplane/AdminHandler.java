package dev.ballast.dataplane;

import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.observability.netty.EventLoopWatchdog;
import dev.ballast.observability.telemetry.Telemetry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.channel.ChannelFutureListener;
import java.util.LinkedHashMap;
import java.util.Map;

/** The admin listener (never the traffic listener): probes and the routing table in force (passwords redacted). */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final DataplaneServer server;

    AdminHandler(DataplaneServer server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        if (path.equals("/metrics")) {
            byte[] text = server.scrapeMetrics();
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(text));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, Telemetry.CONTENT_TYPE)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
            reply(ctx, request, response);
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        int status = 200;
        switch (path) {
            case "/healthz" -> {
                EventLoopWatchdog.Health health = server.watchdog().health();
                body.putAll(health.body());
                status = health.ok() ? 200 : 503;
            }
            case "/readyz" -> {
                // a replica whose traffic loop is stalled should get no traffic either
                boolean responsive = server.watchdog().responsive();
                boolean ready = server.ready() && responsive;
                body.put("ready", ready);
                body.put("snapshot", server.snapshot().version());
                body.put("source", server.source());
                if (server.draining()) {
                    body.put("draining", true);
                }
                if (!responsive) {
                    body.put("eventLoopsStalled", true);
                }
                status = ready ? 200 : 503;
            }
            case "/v1/docker-flow-proxy/config" -> {
                Snapshot snapshot = server.snapshot(); // once: a new snapshot may be applied meanwhile
                body.put("version", snapshot.version());
                body.put("routes", RouteJson.redacted(snapshot.routes())); // passwords are not for show
                body.put("endpoints", snapshot.endpoints());
            }
            case "/v1/docker-flow-proxy/ping" -> body.put("Status", "OK");
            default -> {
                body.put("message", "no such endpoint: " + path);
                status = 404;
            }
        }
        byte[] json = RouteJson.writeBytes(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(json));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        reply(ctx, request, response);
    }

    private static void reply(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
