package dev.ballast.controller.api;

import static dev.ballast.controller.api.Responses.json;

import dev.ballast.config.HostPort;
import dev.ballast.controller.push.PushSource;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.observability.netty.EventLoopWatchdog;
import dev.ballast.observability.netty.Transports;
import dev.ballast.observability.telemetry.Telemetry;
import dev.ballast.schema.labels.LabelTranslator;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;

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
 * <p>The pull is {@link SnapshotPulls}, the Docker Flow endpoints {@link DockerFlowEndpoints}; responses are written
 * by {@link Responses}.
 */
@ChannelHandler.Sharable
public final class ControllerApi extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final Parts parts;
    private final SnapshotPulls pulls;
    private final DockerFlowEndpoints dockerFlow;
    private final StatusEndpoint status;
    private EventLoopGroup group;
    private EventLoopWatchdog watchdog;
    private Channel server;
    /** Every accepted connection, so that closing the API closes parked pulls at once (replicas then fail over). */
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    /**
     * What the API serves from. The API reads and triggers through these alone, so it does not depend on the
     * controller that owns it (which creates the API).
     *
     * @param rebuild asks for a pass that rebuilds the desired state (the push API changed it)
     * @param dockerFlowServices opted-in services, as Docker Flow Swarm Listener's {@code get-services} lists them
     * @param metrics every metric, as Prometheus text
     */
    public record Parts(SnapshotStore store, ReplicaRegistry replicas, ControllerStatus status, PushSource push,
                        LabelTranslator translator, Runnable rebuild,
                        Supplier<List<Map<String, String>>> dockerFlowServices, Supplier<byte[]> metrics) {
    }

    public ControllerApi(Parts parts) {
        this.parts = parts;
        this.pulls = new SnapshotPulls(parts.store(), parts.replicas());
        this.status = new StatusEndpoint(parts.status(), parts.store(), parts.replicas());
        this.dockerFlow = new DockerFlowEndpoints(parts.push(), parts.translator(), parts.rebuild(),
                parts.dockerFlowServices(), parts.store());
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
                case "/v1/snapshot" -> pulls.pull(ctx, params);
                case "/v1/status" -> json(ctx, 200, status.status());
                case "/v1/docker-flow-proxy/config" -> json(ctx, 200, dockerFlow.config());
                case "/v1/docker-flow-proxy/reconfigure" -> dockerFlow.reconfigure(ctx, params);
                case "/v1/docker-flow-proxy/remove" -> dockerFlow.remove(ctx, params);
                case "/v1/docker-flow-swarm-listener/get-services" ->
                        json(ctx, 200, dockerFlow.services());
                case "/v1/docker-flow-proxy/ping", "/v1/docker-flow-swarm-listener/ping" ->
                        json(ctx, 200, Map.of("Status", "OK"));
                case "/healthz" -> {
                    EventLoopWatchdog.Health health = watchdog.health();
                    json(ctx, health.ok() ? 200 : 503, health.body());
                }
                case "/readyz" -> ready(ctx, request);
                case "/metrics" -> Responses.send(ctx, HttpResponseStatus.OK, parts.metrics().get(), null,
                        Telemetry.CONTENT_TYPE);
                default -> json(ctx, 404, Map.of("message", "no such endpoint: " + uri.path()));
            }
        } catch (IllegalArgumentException e) {
            json(ctx, 400, Map.of("message", e.getMessage()));
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


    // ------------------------------------------------------------------------------------------------ status

    private void ready(ChannelHandlerContext ctx, FullHttpRequest request) {
        List<String> reasons = new ArrayList<>(parts.status().sources().stream().filter(s -> !s.synced())
                .map(s -> s.name() + ": not synced yet" + (s.lastError() == null ? "" : " (" + s.lastError() + ")"))
                .toList());
        if (!watchdog.responsive()) {
            reasons.add("an event loop of the API is stalled (see /healthz)");
        }
        boolean ready = reasons.isEmpty();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ready", ready);
        out.put("reasons", reasons);
        json(ctx, ready ? 200 : 503, out);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

}
