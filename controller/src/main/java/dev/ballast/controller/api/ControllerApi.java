package dev.ballast.controller.api;

import dev.ballast.config.Durations;
import dev.ballast.config.HostPort;
import dev.ballast.controller.Controller;
import dev.ballast.controller.Refresh;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.observability.netty.EventLoopWatchdog;
import dev.ballast.observability.netty.Transports;
import dev.ballast.observability.telemetry.Telemetry;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.labels.LabelTranslation;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledFuture;

/**
 * The controller's HTTP API.
 *
 * <pre>
 * GET /v1/snapshot?replica=ID&amp;version=V[&amp;wait=30s][&amp;rejected=V2&amp;error=…]   the pull (below)
 * GET /v1/status                                    sources, routes with conditions, replicas
 * GET /v1/docker-flow-proxy/config?type=json        the desired routes
 * GET|POST /v1/docker-flow-proxy/reconfigure, /remove     Docker Flow's push API
 * GET /v1/docker-flow-swarm-listener/get-services   opted-in services, as the swarm listener lists them
 * GET /healthz, /readyz                             probes
 * </pre>
 *
 * <p>The pull: a replica sends the version it has applied (empty at start) and what it did with the last offer. If
 * that is not the current version, it gets the update at once (a delta from its version while the controller still
 * has it, else the full snapshot); if it is, the request is parked until a new version is published or {@code wait}
 * passes (then 304). A replica that rejected the current version is offered it again only after a backoff. Parked
 * pulls hold no thread: they are entries in the store, answered on their channel's event loop.
 */
@ChannelHandler.Sharable
public final class ControllerApi extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
    private static final Duration MAX_WAIT = Duration.ofMinutes(5);

    private final Controller controller;
    private EventLoopGroup group;
    private EventLoopWatchdog watchdog;
    private Channel server;
    /** Every accepted connection, so that closing the API closes parked pulls at once (replicas then fail over). */
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    public ControllerApi(Controller controller) {
        this.controller = controller;
    }

    public void listen(HostPort address) throws InterruptedException {
        group = Transports.group(2);
        watchdog = new EventLoopWatchdog(group, EventLoopWatchdog.PROBE_INTERVAL, EventLoopWatchdog.PROBE_LIMIT);
        server = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(1 << 20), ControllerApi.this);
                    }
                })
                .bind(address.host(), address.port()).sync().channel();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The open connections; tests look at what each one holds. */
    ChannelGroup connections() {
        return connections;
    }

    public void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        connections.close().awaitUninterruptibly();
        if (watchdog != null) {
            watchdog.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        Map<String, String> params = parameters(uri, request);
        try {
            switch (uri.path()) {
                case "/v1/snapshot" -> pull(ctx, request, params);
                case "/v1/status" -> json(ctx, request, 200, status());
                case "/v1/docker-flow-proxy/config" -> json(ctx, request, 200, config());
                case "/v1/docker-flow-proxy/reconfigure" -> reconfigure(ctx, request, params);
                case "/v1/docker-flow-proxy/remove" -> remove(ctx, request, params);
                case "/v1/docker-flow-swarm-listener/get-services" ->
                        json(ctx, request, 200, controller.dockerFlowServices());
                case "/v1/docker-flow-proxy/ping", "/v1/docker-flow-swarm-listener/ping" ->
                        json(ctx, request, 200, Map.of("Status", "OK"));
                case "/healthz" -> {
                    EventLoopWatchdog.Health health = watchdog.health();
                    json(ctx, request, health.ok() ? 200 : 503, health.body());
                }
                case "/readyz" -> ready(ctx, request);
                case "/metrics" -> send(ctx, HttpResponseStatus.OK, controller.scrapeMetrics(), null,
                        Telemetry.CONTENT_TYPE);
                default -> json(ctx, request, 404, Map.of("message", "no such endpoint: " + uri.path()));
            }
        } catch (IllegalArgumentException e) {
            json(ctx, request, 400, Map.of("message", e.getMessage()));
        }
    }

    /** Query parameters, plus a form-encoded body (Docker Flow's push API may POST). */
    private static Map<String, String> parameters(QueryStringDecoder uri, FullHttpRequest request) {
        Map<String, String> params = new LinkedHashMap<>();
        uri.parameters().forEach((k, v) -> params.put(k, v.isEmpty() ? "" : v.get(0)));
        if (request.method().equals(HttpMethod.POST) && request.content().isReadable()) {
            String body = request.content().toString(StandardCharsets.UTF_8);
            new QueryStringDecoder(body, false).parameters().forEach((k, v) -> params.putIfAbsent(k, v.isEmpty() ? "" : v.get(0)));
        }
        return params;
    }

    // ------------------------------------------------------------------------------------------------ the pull

    private void pull(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> params) {
        String replica = params.get("replica");
        if (replica == null || replica.isBlank()) {
            throw new IllegalArgumentException("replica: required (the replica's name)");
        }
        String version = params.getOrDefault("version", "");
        Duration wait = params.containsKey("wait") ? wait(params.get("wait")) : DEFAULT_WAIT;
        controller.replicas().seen(replica, version, params.get("rejected"), params.get("error"));

        SnapshotStore store = controller.store();
        Parked parked = new Parked(ctx.channel());
        // The callback comes from the publishing thread; it hops to the event loop, so it runs after park() below.
        Optional<SnapshotStore.Watch> watch = store.watch(version, snapshot -> ctx.executor().execute(() -> {
            if (parked.unpark()) {
                offer(ctx, replica, version);
            }
        }));
        if (watch.isEmpty()) {
            offer(ctx, replica, version);
            return;
        }
        parked.park(watch.get(), ctx.executor().schedule(() -> {
            if (parked.unpark()) {
                send(ctx, HttpResponseStatus.NOT_MODIFIED, null, store.current().version());
            }
        }, wait.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * A pull waiting for a new version or for its wait to end, whichever comes first. It listens to its connection's
     * closeFuture (a closed connection drops its pull from the store) and stops listening once answered: replicas
     * poll on one kept-alive connection for as long as they run, so a listener left behind per poll piles up.
     * Touched on the channel's event loop only.
     */
    private static final class Parked implements ChannelFutureListener {
        private final Channel channel;
        private SnapshotStore.Watch watch;
        private ScheduledFuture<?> timeout;
        private boolean done;

        Parked(Channel channel) {
            this.channel = channel;
        }

        void park(SnapshotStore.Watch watch, ScheduledFuture<?> timeout) {
            this.watch = watch;
            this.timeout = timeout;
            channel.closeFuture().addListener(this);
        }

        /** Whether this call ended the wait (the caller answers); later calls return false. */
        boolean unpark() {
            if (done) {
                return false;
            }
            done = true;
            watch.cancel();
            timeout.cancel(false); // an answered pull's timer would hold the context until the wait ends
            channel.closeFuture().removeListener(this);
            return true;
        }

        @Override
        public void operationComplete(ChannelFuture closed) {
            unpark(); // nobody left to answer
        }
    }

    /** Answers with the current snapshot, after the re-offer backoff if the replica rejected it. */
    private void offer(ChannelHandlerContext ctx, String replica, String version) {
        Snapshot current = controller.store().current();
        Duration delay = controller.replicas().reofferDelay(replica, current.version());
        Runnable answer = () -> {
            Snapshot latest = controller.store().current();
            send(ctx, HttpResponseStatus.OK, controller.store().updateBody(version, latest), latest.version());
        };
        if (delay.isZero()) {
            answer.run();
        } else {
            ctx.executor().schedule(answer, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static Duration wait(String text) {
        Duration wait;
        try {
            wait = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("wait: " + e.getMessage());
        }
        return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
    }

    // ------------------------------------------------------------------------------------------------ status

    private Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("desiredVersion", controller.store().current().version());
        out.put("published", controller.store().hasPublished());
        out.put("ready", controller.synced());
        out.put("sources", controller.sources());
        out.put("gitopsProblems", controller.gitOpsProblems().entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(p -> p.format())).toList());
        out.put("routes", controller.desired().sortedRoutes());
        out.put("replicas", controller.replicas().evaluate(controller.store().current().version(), controller.desiredSince()));
        out.put("parkedPulls", controller.store().parkedPulls());
        return out;
    }

    private Map<String, Object> config() {
        Map<String, Route> routes = new LinkedHashMap<>();
        controller.store().current().routes().forEach(r -> routes.put(r.name(), r));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", controller.store().current().version());
        out.put("routes", routes);
        out.put("endpoints", controller.store().current().endpoints());
        return out;
    }

    private void ready(ChannelHandlerContext ctx, FullHttpRequest request) {
        List<String> reasons = new ArrayList<>(controller.sources().stream().filter(s -> !s.synced())
                .map(s -> s.name() + ": not synced yet" + (s.lastError() == null ? "" : " (" + s.lastError() + ")"))
                .toList());
        if (!watchdog.responsive()) {
            reasons.add("an event loop of the API is stalled (see /healthz)");
        }
        boolean ready = reasons.isEmpty();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ready", ready);
        out.put("reasons", reasons);
        json(ctx, request, ready ? 200 : 503, out);
    }

    // ------------------------------------------------------------------------------------------------ push API

    /** Docker Flow's reconfigure: 200 OK, 400 for a bad request, 409 when there is nothing to route on. */
    private void reconfigure(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> params) {
        String service = params.getOrDefault("serviceName", "").trim();
        if (service.isEmpty()) {
            json(ctx, request, 400, dockerFlow("NOK", "serviceName parameter is mandatory.", ""));
            return;
        }
        if ("0".equals(params.get("replicas"))) {
            controller.push().remove(service); // Docker Flow removes services scaled to 0
            controller.trigger(Refresh.REBUILD);
            json(ctx, request, 200, dockerFlow("OK", "", service));
            return;
        }
        LabelTranslation result = controller.translator().translateParameters(params);
        if (result instanceof LabelTranslation.Invalid invalid) {
            boolean nothingToRouteOn = invalid.errors().stream().anyMatch(p -> p.field().startsWith("servicePath"));
            String message = String.join("; ", invalid.errors().stream().map(p -> p.format()).toList());
            json(ctx, request, nothingToRouteOn ? 409 : 400, dockerFlow("NOK", message, service));
            return;
        }
        controller.push().put(service, params);
        controller.trigger(Refresh.REBUILD);
        json(ctx, request, 200, dockerFlow("OK", "", service));
    }

    private void remove(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> params) {
        String service = params.getOrDefault("serviceName", "").trim();
        if (service.isEmpty()) {
            json(ctx, request, 400, dockerFlow("NOK", "serviceName parameter is mandatory.", ""));
            return;
        }
        controller.push().remove(service);
        controller.trigger(Refresh.REBUILD);
        json(ctx, request, 200, dockerFlow("OK", "", service));
    }

    private static Map<String, String> dockerFlow(String status, String message, String service) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("Status", status);
        out.put("Message", message);
        out.put("ServiceName", service);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ responses

    private static void json(ChannelHandlerContext ctx, FullHttpRequest request, int status, Object body) {
        send(ctx, HttpResponseStatus.valueOf(status), RouteJson.writeBytes(body), null);
    }

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, String version) {
        send(ctx, status, body, version, HttpHeaderValues.APPLICATION_JSON.toString());
    }

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, String version,
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

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

}
