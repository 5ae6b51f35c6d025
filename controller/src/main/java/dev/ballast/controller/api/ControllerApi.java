package dev.ballast.controller.api;

import dev.ballast.config.HostPort;
import dev.ballast.controller.certificates.CertificateStore;
import dev.ballast.controller.push.PushSource;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.observability.netty.EventLoopWatchdog;
import dev.ballast.observability.netty.LoopShutdown;
import dev.ballast.observability.netty.Transports;
import dev.ballast.schema.labels.LabelTranslator;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The controller's HTTP API server. Each connection's pipeline is the HTTP codec followed by one handler per concern;
 * a request goes down the endpoints until one takes its path:
 *
 * <pre>
 * TokenGate            401 without the bearer token (with --token-file; probes and metrics stay open)
 * SnapshotPulls        GET /v1/snapshot?replica=ID&amp;version=V[&amp;wait=30s][&amp;rejected=V2&amp;error=…]
 * StatusEndpoint       GET /v1/status: sources, routes with conditions, replicas
 * DockerFlowEndpoints  /v1/docker-flow-proxy/{config,reconfigure,remove,ping},
 *                      /v1/docker-flow-swarm-listener/{get-services,ping}
 * CertificateEndpoints PUT|DELETE /v1/docker-flow-proxy/cert?certName=, GET /v1/docker-flow-proxy/certs
 * Probes               GET /healthz, /readyz, /metrics
 * DashboardFiles       GET / and the dashboard's script and style (no token: they hold no data)
 * DashboardData        GET /v1/dashboard: what the dashboard shows, polled
 * NotFound             404 for anything else
 * </pre>
 */
public final class ControllerApi {

    private final Parts parts;
    private final SnapshotPulls pulls;
    private final StatusEndpoint status;
    private final DockerFlowEndpoints dockerFlow;
    private final CertificateEndpoints certificates;
    private final DashboardData dashboard;
    private final DashboardFiles dashboardFiles = new DashboardFiles();
    private final TokenGate gate;
    private final NotFound notFound = new NotFound();
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
     * @param certificates the certificates distributed, and pushed through Docker Flow's certificate API
     * @param token the bearer token every request but the probes must carry; empty: none is asked for
     */
    public record Parts(SnapshotStore store, ReplicaRegistry replicas, ControllerStatus status, PushSource push,
                        LabelTranslator translator, Runnable rebuild,
                        Supplier<List<Map<String, String>>> dockerFlowServices, Supplier<byte[]> metrics,
                        CertificateStore certificates, Optional<String> token) {
    }

    public ControllerApi(Parts parts) {
        this.parts = parts;
        this.pulls = new SnapshotPulls(parts.store(), parts.replicas());
        this.status = new StatusEndpoint(parts.status(), parts.store(), parts.replicas());
        this.dockerFlow = new DockerFlowEndpoints(parts.push(), parts.translator(), parts.rebuild(),
                parts.dockerFlowServices(), parts.store(), () -> parts.status().instanceName());
        this.certificates = new CertificateEndpoints(parts.certificates(), java.time.Clock.systemUTC(),
                parts.token().isPresent(), () -> parts.status().acme());
        this.dashboard = new DashboardData(parts.status(), parts.store(), parts.replicas(),
                java.time.Clock.systemUTC());
        this.gate = parts.token().map(TokenGate::new).orElse(null);
    }

    public void listen(HostPort address) throws InterruptedException {
        group = Transports.group(2);
        watchdog = new EventLoopWatchdog(group, EventLoopWatchdog.PROBE_INTERVAL, EventLoopWatchdog.PROBE_LIMIT);
        Probes probes = new Probes(watchdog, parts.status(), parts.store()::hasPublished, parts.metrics());
        server = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(1 << 20));
                        if (gate != null) {
                            ch.pipeline().addLast(gate);
                        }
                        ch.pipeline().addLast(pulls, status, dockerFlow, certificates, probes, dashboardFiles,
                                dashboard, notFound);
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
            LoopShutdown.shutDown(group, "the API event loops", 0, 1000);
        }
    }
}
