package dev.ballast.dataplane;

import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.observability.netty.EventLoopWatchdog;
import dev.ballast.observability.telemetry.Telemetry;
import io.netty.buffer.ByteBufUtil;
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
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;

/**
 * The admin listener (never the traffic listener): probes, the routing table in force (passwords redacted), and
 * Docker Flow's push API
 * forwarded to a controller (see {@link ControllerForwarder}). One instance per connection.
 *
 * <p>A forwarded request is answered later, off the event loop's back; meanwhile the connection reads nothing more,
 * and a request already decoded behind it waits its turn, so answers leave in the order the requests came.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final DataplaneServer server;
    /** Requests that arrived while a forwarded one was in flight (retained; released once answered or closed). */
    private final Queue<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean forwarding;

    AdminHandler(DataplaneServer server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (forwarding) {
            waiting.add(request.retain());
            return;
        }
        handle(ctx, request);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        if (path.equals("/metrics")) {
            byte[] text = server.scrapeMetrics();
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(text));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, Telemetry.CONTENT_TYPE)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
            reply(ctx, HttpUtil.isKeepAlive(request), response);
            return;
        }
        if (ControllerForwarder.PATHS.contains(path)) {
            forward(ctx, request, path);
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
                problems(body);
                status = ready ? 200 : 503;
            }
            case "/v1/docker-flow-proxy/config" -> {
                Snapshot snapshot = server.snapshot(); // once: a new snapshot may be applied meanwhile
                body.put("version", snapshot.version());
                body.put("routes", RouteJson.redacted(snapshot.routes())); // passwords are not for show
                body.put("endpoints", snapshot.endpoints());
                body.put("certificates", server.certificateReports()); // hosts, issuer, not-after: never keys
                List<RouteConditions.RouteCondition> conditions = server.routeConditions();
                if (!conditions.isEmpty()) {
                    body.put("conditions", conditions); // routes in force but not served on a port (no listener there)
                }
                problems(body);
            }
            case "/v1/docker-flow-proxy/certs" -> body.put("certificates", server.certificateReports());
            case "/v1/docker-flow-proxy/ping" -> body.put("Status", "OK");
            default -> {
                body.put("message", "no such endpoint: " + path);
                status = 404;
            }
        }
        json(ctx, HttpUtil.isKeepAlive(request), status, body);
    }

    /** The route files with problems, {@code file:line: field: message} each (standalone mode; none otherwise). */
    private void problems(Map<String, Object> body) {
        List<String> problems = server.routeFileProblems();
        if (!problems.isEmpty()) {
            body.put("problems", problems);
        }
    }

    /**
     * Sends the request on to a controller and relays its answer; a replica that serves route files has no
     * controller, and says so.
     */
    private void forward(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        Optional<ControllerForwarder> forwarder = server.forwarder();
        if (forwarder.isEmpty()) {
            json(ctx, keepAlive, 501, dockerFlow("this replica serves route files (" + server.source()
                    + ") and has no controller to forward " + path + " to: add the service's route to those files,"
                    + " or point the swarm listener at a replica started with --controller"));
            return;
        }
        // Copied now: the request is released when this returns, the answer comes later.
        byte[] content = ByteBufUtil.getBytes(request.content());
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        java.util.concurrent.CompletableFuture<ControllerForwarder.Answer> answer;
        try {
            answer = forwarder.get().forward(request.method().name(), request.uri(), contentType, content);
        } catch (IllegalArgumentException e) {
            json(ctx, keepAlive, 400, dockerFlow("cannot forward " + request.uri() + ": " + e.getMessage()));
            return;
        }
        forwarding = true;
        ctx.channel().config().setAutoRead(false);
        answer.whenComplete((relayed, error) -> ctx.executor().execute(() -> {
            ControllerForwarder.Answer a = relayed != null ? relayed : new ControllerForwarder.Answer(502,
                    "application/json", RouteJson.writeBytes(dockerFlow("cannot forward: " + error)), null);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(a.status()), Unpooled.wrappedBuffer(a.body()));
            if (a.contentType() != null) {
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
            }
            if (a.controller() != null) {
                response.headers().set("Ballast-Controller", a.controller().toString());
            }
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
            reply(ctx, keepAlive, response);
            forwarding = false;
            if (keepAlive && ctx.channel().isActive()) {
                drainWaiting(ctx);
                if (!forwarding) {
                    ctx.channel().config().setAutoRead(true); // reads on, as it was
                }
            }
        }));
    }

    /** Answers the requests that waited behind a forwarded one, until another forward starts. */
    private void drainWaiting(ChannelHandlerContext ctx) {
        while (!forwarding) {
            FullHttpRequest next = waiting.poll();
            if (next == null) {
                return;
            }
            try {
                handle(ctx, next);
            } finally {
                next.release();
            }
        }
    }

    private static Map<String, Object> dockerFlow(String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Status", "NOK");
        body.put("Message", message);
        return body;
    }

    private static void json(ChannelHandlerContext ctx, boolean keepAlive, int status, Map<String, Object> body) {
        byte[] json = RouteJson.writeBytes(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(json));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        reply(ctx, keepAlive, response);
    }

    private static void reply(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseWaiting();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseWaiting();
    }

    private void releaseWaiting() {
        for (FullHttpRequest r = waiting.poll(); r != null; r = waiting.poll()) {
            r.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
