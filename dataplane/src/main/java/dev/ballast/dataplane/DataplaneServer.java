package dev.ballast.dataplane;

import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.config.TokenFile;
import dev.ballast.dataplane.access.AccessPolicy;
import dev.ballast.dataplane.access.BasicAuth;
import dev.ballast.dataplane.access.UserDirectory;
import dev.ballast.dataplane.connection.ConnectionGroups;
import dev.ballast.dataplane.exchange.CompressionPolicy;
import dev.ballast.dataplane.health.HealthChecks;
import dev.ballast.dataplane.http2.Http2Server;
import dev.ballast.dataplane.limits.Admission;
import dev.ballast.dataplane.proxy.ClientPipeline;
import dev.ballast.dataplane.proxy.ErrorPages;
import dev.ballast.dataplane.proxy.ProxyContext;
import dev.ballast.dataplane.proxy.TcpConnections;
import dev.ballast.dataplane.proxy.TcpProxy;
import dev.ballast.dataplane.proxy.Upstreams;
import dev.ballast.dataplane.pull.SnapshotTarget;
import dev.ballast.dataplane.routing.RoutingTable;
import dev.ballast.dataplane.routing.TcpRoute;
import dev.ballast.dataplane.telemetry.AccessLog;
import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.dataplane.telemetry.EndpointFigures;
import dev.ballast.dataplane.telemetry.RequestTracing;
import dev.ballast.dataplane.tls.BackendTls;
import dev.ballast.dataplane.tls.CertificateWatcher;
import dev.ballast.dataplane.tls.TlsContexts;
import dev.ballast.dataplane.tls.TlsMetrics;
import dev.ballast.dataplane.tls.TlsTermination;
import dev.ballast.observability.netty.EventLoopWatchdog;
import dev.ballast.observability.netty.LoopShutdown;
import dev.ballast.observability.netty.Transports;
import dev.ballast.observability.telemetry.Telemetry;
import dev.ballast.schema.EndpointAddresses;
import dev.ballast.schema.ListenerPorts;
import dev.ballast.schema.ReplicaReport;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import dev.ballast.schema.Snapshot;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dataplane replica: the traffic listener, the admin listener, and the routing table in force, which
 * {@link #apply} replaces whole (requests in flight keep the table they matched against).
 */
public final class DataplaneServer implements SnapshotTarget, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(DataplaneServer.class);
    /** Concurrent streams an HTTP/2 client may open on one connection (the usual default: nginx's, Envoy's). */
    private static final int HTTP2_MAX_STREAMS = 100;

    private final DataplaneConfig config;
    /**
     * {@code --threads} loops, one per core by default (Netty's default is two per core): a proxy's loops never block,
     * so more loops than cores only add context switches; where the cores are shared with other busy processes, fewer
     * do better (figures in bench/README.md).
     */
    private final EventLoopGroup group;
    /**
     * The admin listener has a loop of its own: a probe answers (and says which traffic loop is stalled) even when a
     * traffic loop is blocked, and a {@code /metrics} scrape never delays proxied requests.
     */
    private final EventLoopGroup adminGroup = Transports.group(1);
    private final EventLoopWatchdog watchdog;
    private final AtomicReference<RoutingTable> table = new AtomicReference<>(RoutingTable.compile(Snapshot.empty()));
    private final HealthChecks health = new HealthChecks();
    private final Upstreams upstreams = new Upstreams(health);
    private final Telemetry telemetry;
    /** The global users and the secrets of {@code usersSecret}, resolved for each snapshot applied. */
    private final UserDirectory users;
    private volatile DataplaneMetrics.SnapshotFacts applied;
    /** The open client connections of the traffic listener (they leave the group as they close). */
    private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile boolean ready;
    private volatile boolean draining;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile String source = "none";
    /** Standalone mode: the route files' problems, {@code file:line: field: message}; empty otherwise. */
    private volatile List<String> routeFileProblems = List.of();
    /** The bearer token sent to controllers ({@code --token-file}), read once at start. */
    private final Optional<String> controllerToken;
    /** Docker Flow's push API, forwarded to the controllers; absent for a replica that serves route files. */
    private final Optional<ControllerForwarder> forwarder;
    /** The traffic listeners: the plain ones, then the TLS ones, each in the order of its flags. */
    private final List<Channel> traffic = new CopyOnWriteArrayList<>();
    private Channel admin;
    /** The open TCP relays, by route: closed after the drain time once their route is gone. */
    private final TcpConnections tcpConnections = new TcpConnections();
    private final RouteConditions routeConditions = new RouteConditions();
    /** The certificates of the TLS listeners; absent without {@code --tls-listen}. */
    private final Optional<CertificateWatcher> certificates;

    /** @throws UserDirectory.InvalidUsersException when the global users cannot be read (nothing is started) */
    public DataplaneServer(DataplaneConfig config) {
        // the users first: when they are unusable, nothing has been started yet
        this(config, ProxyParts.users(config), Telemetry.fromEnvironment("ballast-dataplane"), EventLoopWatchdog.PROBE_LIMIT);
    }

    /** With the given telemetry (tests pass one that keeps spans in memory); closed with the server. */
    public DataplaneServer(DataplaneConfig config, Telemetry telemetry) {
        this(config, ProxyParts.users(config), telemetry, EventLoopWatchdog.PROBE_LIMIT);
    }

    /** With a traffic loop called stalled after {@code stallLimit} without running a task (tests shorten it). */
    DataplaneServer(DataplaneConfig config, Telemetry telemetry, Duration stallLimit) {
        this(config, ProxyParts.users(config), telemetry, stallLimit);
    }

    private DataplaneServer(DataplaneConfig config, UserDirectory users, Telemetry telemetry, Duration stallLimit) {
        this.config = config;
        this.users = users;
        this.telemetry = telemetry;
        this.group = Transports.trafficGroup(config.threads(), config.ioUring());
        this.watchdog = new EventLoopWatchdog(group, EventLoopWatchdog.PROBE_INTERVAL, stallLimit);
        this.controllerToken = config.tokenFile().map(TokenFile::read);
        this.forwarder = config.controllers().isEmpty() ? Optional.empty()
                : Optional.of(new ControllerForwarder(config.controllers(), FORWARD_TIMEOUT, controllerToken));
        this.certificates = config.tls().listen().isEmpty() ? Optional.empty()
                : Optional.of(new CertificateWatcher(config.tls().certs(), config.secretsDir(),
                        config.tls().defaultCert(), TlsContexts.detect()));
    }

    /** How long a controller may take to answer a forwarded push-API call before the next one is tried. */
    static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Opens the listeners.
     *
     * @throws ErrorPages.DirectoryException when {@code --error-pages} names no readable directory (nothing is opened)
     * @throws ListenerException when a listener cannot be bound
     */
    public void start() throws InterruptedException {
        ErrorPages pages = config.errorPages().map(ProxyParts::errorPages).orElse(ErrorPages.NONE);
        CompressionPolicy compression = ProxyParts.compression(config.compression());
        DataplaneMetrics counted = new DataplaneMetrics(telemetry.meter("dev.ballast.dataplane"), clients::size,
                upstreams::current, () -> applied, watchdog::loops);
        ProxyContext context = new ProxyContext(table, upstreams, new AccessPolicy(new BasicAuth()),
                config.timeoutConnect(), config.timeoutServer(), config.timeoutHttpRequest(), config.timeoutKeepAlive(),
                config.timeoutTunnel(), config.timeoutClient(), counted, new AccessLog(config.accessLog()),
                new RequestTracing(telemetry.tracer("dev.ballast.dataplane"), telemetry.propagator(),
                        telemetry.tracing()), compression, pages, BackendTls.context(config.backendCaFile()),
                Admission.of(config.limits()));
        int maxHeaderSize = (int) Math.min(Integer.MAX_VALUE, config.maxHeaderSize());
        ClientPipeline clientPipeline = new ClientPipeline(context, maxHeaderSize, config.trustedProxies(),
                new TcpProxy(context, tcpConnections), new Http2Server.Limits(HTTP2_MAX_STREAMS, maxHeaderSize,
                        config.drainTimeout(), config.timeoutKeepAlive()));
        for (HostPort address : config.listen()) {
            traffic.add(Listeners.bind("traffic listener", address, group, trafficInitializer(clientPipeline), false));
        }
        if (certificates.isPresent()) {
            CertificateWatcher watcher = certificates.get();
            watcher.start();
            TlsTermination tls = new TlsTermination(watcher, new TlsMetrics(telemetry.meter("dev.ballast.dataplane"),
                    watcher::table), config.timeoutHttpRequest(), context.tracing()::handshakeSpan);
            LOG.info("TLS with the {}", watcher.engine());
            for (HostPort address : config.tls().listen()) {
                traffic.add(Listeners.bind("TLS listener", address, group, trafficInitializer(clientPipeline.forListener(tls)),
                        false));
            }
        }
        admin = Listeners.bind("admin listener", config.adminListen(), adminGroup, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                        new AdminHandler(DataplaneServer.this));
            }
        }, true);
        logNewConditions(table.get());
    }

    private ChannelInitializer<Channel> trafficInitializer(ClientPipeline pipeline) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                clients.add(ch);
                pipeline.install(ch);
            }
        };
    }

    /**
     * Puts a snapshot in force (atomically); {@code from} says where it came from, for {@code /readyz}. The table is
     * compiled before the swap, so a snapshot that does not compile leaves the previous one in force. The secrets its
     * rules name ({@code auth.usersSecret}) are read here, on the caller's thread (the puller's, or the one starting
     * the replica; never an event loop), and a problem with them is logged and fails that rule closed.
     */
    @Override
    public void apply(Snapshot snapshot, String from) {
        RoutingTable compiled = RoutingTable.compile(snapshot, users.resolve(snapshot));
        // Every address the table sends to, once: the upstreams keep theirs, the health checks probe theirs.
        Set<String> names = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        Set<HealthChecks.Target> checked = new HashSet<>();
        for (Route route : snapshot.routes()) {
            names.add(route.name());
            for (Rule rule : route.spec().rules()) {
                for (String address : EndpointAddresses.forRule(compiled.endpointsOf(route), rule)) {
                    addresses.add(address);
                    if (route.spec().healthCheck() != null) {
                        checked.add(new HealthChecks.Target(address, route.spec().healthCheck()));
                    }
                }
            }
        }
        health.reconcile(checked);
        upstreams.retain(names, addresses);
        if (!snapshot.certificates().equals(table.get().snapshot().certificates())) {
            certificates.ifPresent(c -> c.fromController(snapshot.certificates()));
        }
        table.set(compiled);
        tcpConnections.retain(compiled.tcpRoutes().stream().map(TcpRoute::name).collect(Collectors.toSet()),
                config.drainTimeout());
        logNewConditions(compiled);
        applied = new DataplaneMetrics.SnapshotFacts(snapshot.version(), snapshot.routes().size(),
                System.currentTimeMillis());
        source = from;
        ready = true;
    }

    @Override
    public Snapshot snapshot() {
        return table.get().snapshot();
    }

    /**
     * The conditions of the routes in force: every rule port without a listener, or claimed by another TCP route
     * first; those routes are not served on that port.
     */
    public List<RouteConditions.RouteCondition> routeConditions() {
        return conditions(table.get());
    }

    private List<RouteConditions.RouteCondition> conditions(RoutingTable in) {
        return RouteConditions.of(in, listenerPorts().orElse(ListenerPorts.NONE));
    }

    /** Logs each new condition (before the listeners are open, every port lacks one: wait for them). */
    private void logNewConditions(RoutingTable in) {
        if (!traffic.isEmpty()) {
            routeConditions.logNew(conditions(in));
        }
    }

    /** The open TCP relays, by route (tests look at their channels). */
    public TcpConnections tcpConnections() {
        return tcpConnections;
    }

    /** A snapshot is in force and the replica is not stopping. */
    @Override
    public boolean ready() {
        return ready && !draining;
    }

    public boolean draining() {
        return draining;
    }

    /** Whether the traffic loops run their tasks (see {@link EventLoopWatchdog}), for {@code /healthz}. */
    EventLoopWatchdog watchdog() {
        return watchdog;
    }

    /** The traffic listener's event loops. */
    EventLoopGroup trafficLoops() {
        return group;
    }

    /**
     * Stops gracefully: no new connections (and {@code /readyz} says so), connections between requests closed, the
     * exchanges in flight given up to {@code --drain-timeout} to finish (each connection closes after its response),
     * then everything closed.
     */
    public void drain() {
        if (stopped.get()) {
            return; // stopping twice (a shutdown hook after an explicit close) changes nothing
        }
        Duration grace = config.drainTimeout();
        draining = true;
        traffic.forEach(listener -> listener.close().syncUninterruptibly());
        clients.forEach(ch -> ch.pipeline().fireUserEventTriggered(ClientPipeline.DRAIN));
        clients.newCloseFuture().awaitUninterruptibly(grace.toMillis());
        close();
    }

    /** Every metric, as Prometheus text. */
    public byte[] scrapeMetrics() {
        return telemetry.scrape();
    }

    public String source() {
        return source;
    }

    /** The route files' problems (standalone mode), as {@code /readyz} and the config endpoint list them. */
    public void routeFileProblems(List<String> problems) {
        routeFileProblems = List.copyOf(problems);
    }

    List<String> routeFileProblems() {
        return routeFileProblems;
    }

    Optional<String> controllerToken() {
        return controllerToken;
    }

    Optional<ControllerForwarder> forwarder() {
        return forwarder;
    }

    public InetSocketAddress trafficAddress() {
        return (InetSocketAddress) traffic.get(0).localAddress();
    }

    /** The plain listeners' addresses, in the order of {@code --listen}. */
    public List<InetSocketAddress> trafficAddresses() {
        return traffic.stream().limit(config.listen().size()).map(ch -> (InetSocketAddress) ch.localAddress())
                .toList();
    }

    /** The TLS listeners' addresses, in the order of {@code --tls-listen}. */
    public List<InetSocketAddress> tlsAddresses() {
        return traffic.stream().skip(config.listen().size()).map(ch -> (InetSocketAddress) ch.localAddress())
                .toList();
    }

    /** The certificates served and skipped, as the admin endpoints show them; empty without TLS listeners. */
    List<dev.ballast.certificates.CertificateReport> certificateReports() {
        return certificates.map(c -> c.table().reports(java.time.Instant.now())).orElse(List.of());
    }

    @Override
    public Optional<ListenerPorts> listenerPorts() {
        if (traffic.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ListenerPorts(trafficAddresses().stream().map(InetSocketAddress::getPort).toList(),
                tlsAddresses().stream().map(InetSocketAddress::getPort).toList()));
    }

    @Override
    public ReplicaReport report() {
        return EndpointFigures.report(upstreams.current(), health, System.nanoTime());
    }

    /** What the traffic loops run on: {@code io_uring}, or {@code epoll} (with why not io_uring, if it was asked). */
    public String trafficTransport() {
        return Transports.trafficTransport(config.ioUring());
    }

    public InetSocketAddress adminAddress() {
        return (InetSocketAddress) admin.localAddress();
    }

    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        traffic.forEach(Channel::close);
        // closed while their loops still run (a lingering one would otherwise be open when its loop stops)
        ConnectionGroups.close(clients, 2000);
        certificates.ifPresent(CertificateWatcher::close);
        if (admin != null) {
            admin.close();
        }
        watchdog.close();
        // A quiet period lets io_uring complete the reads submitted as connections closed (else their buffers leak).
        LoopShutdown.shutDown(group, "the traffic event loops", 100, 2000);
        LoopShutdown.shutDown(adminGroup, "the admin event loop", 0, 2000);
        health.close();
        telemetry.close();
    }
}
