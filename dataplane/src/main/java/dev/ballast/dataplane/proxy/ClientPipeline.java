package dev.ballast.dataplane.proxy;

import dev.ballast.config.Cidr;
import dev.ballast.dataplane.exchange.Framing;
import dev.ballast.dataplane.http2.AlpnSwitch;
import dev.ballast.dataplane.http2.Http2Server;
import dev.ballast.dataplane.http2.PrefaceDetector;
import dev.ballast.dataplane.limits.ConnectionLimits;
import dev.ballast.dataplane.limits.Refusal;
import dev.ballast.dataplane.routing.SniHosts;
import dev.ballast.dataplane.routing.TcpRoute;
import dev.ballast.dataplane.tls.TlsTermination;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Composes the pipeline of each client connection (the order and what each handler takes and gives are in this
 * package's {@code package-info.java}). One per listener: every connection starts with a {@link ProxyProtocolDetector},
 * which learns whose connection it is; a TLS listener's connections go on with the handlers of its
 * {@link TlsTermination}; the HTTP handlers that follow are the same. What it shares between connections is the
 * proxy's context and, per event loop, the {@link UpstreamConnector} with its pool of idle upstream connections (shared
 * by every listener's pipeline: see {@link #forListener}). A connection accepted on a port that a TCP route of the
 * table in force claims gets no HTTP handlers: {@link TcpProxy} relays it whole. On a TLS listener whose port has SNI
 * routes, a {@link SniRouter} reads the ClientHello first: a server name an SNI rule accepts is relayed whole too,
 * any other is terminated here.
 */
public final class ClientPipeline {

    /**
     * The event that asks a client connection to finish (the replica is stopping): closed at once if between requests,
     * else after the response in progress, which says {@code Connection: close} if its head has not left yet.
     */
    public static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "drain";
        }
    };

    private final ProxyContext context;
    private final int maxHeaderSize;
    private final List<Cidr> trustedProxies;
    private final TlsTermination tls;
    private final Map<EventLoop, UpstreamConnector> connectors;
    private final TcpProxy tcp;
    private final Http2Server http2;

    /**
     * The pipeline of a plain listener.
     *
     * @param trustedProxies the sources whose forwarding headers are believed
     * @param tcp serves the connections accepted on ports that TCP routes claim
     * @param http2 the bounds of HTTP/2 connections
     */
    public ClientPipeline(ProxyContext context, int maxHeaderSize, List<Cidr> trustedProxies, TcpProxy tcp,
                          Http2Server.Limits http2) {
        this(context, maxHeaderSize, trustedProxies, null, new ConcurrentHashMap<>(), tcp,
                new Http2Server(http2, DRAIN));
    }

    private ClientPipeline(ProxyContext context, int maxHeaderSize, List<Cidr> trustedProxies, TlsTermination tls,
                           Map<EventLoop, UpstreamConnector> connectors, TcpProxy tcp, Http2Server http2) {
        this.context = context;
        this.maxHeaderSize = maxHeaderSize;
        this.trustedProxies = List.copyOf(trustedProxies);
        this.tls = tls;
        this.connectors = connectors;
        this.tcp = tcp;
        this.http2 = http2;
    }

    /** The pipeline of another listener, terminating TLS with {@code tls} (or not: null); upstream pools shared. */
    public ClientPipeline forListener(TlsTermination tls) {
        return new ClientPipeline(context, maxHeaderSize, trustedProxies, tls, connectors, tcp, http2);
    }

    /**
     * Adds the handlers of a client connection just accepted (called from its channel initializer): the
     * {@link ProxyProtocolDetector}, which adds the others once it knows the client's address.
     */
    public void install(Channel ch) {
        InetSocketAddress peer = (InetSocketAddress) ch.remoteAddress();
        int listenerPort = ((InetSocketAddress) ch.localAddress()).getPort();
        ConnectionLimits connections = context.admission().connections();
        if (!connections.openOnListener(listenerPort)) {
            context.refuseConnection(ch, null, peer, listenerPort, Refusal.LISTENER_CONNECTIONS);
            return;
        }
        ch.closeFuture().addListener(f -> connections.closedOnListener(listenerPort));
        boolean trustedPeer = trusted(peer.getAddress());
        // an untrusted peer is the client, whatever it sends: counted now, not once it has sent something
        if (!trustedPeer && !admitClient(ch, peer, listenerPort)) {
            return;
        }
        TcpRoute tcpRoute = context.table().get().tcpRoute(listenerPort);
        if (tcpRoute != null && !trustedPeer) {
            // Nothing an untrusted source sends is a PROXY header to believe, and waiting for its first bytes would
            // hang protocols in which the server speaks first (SMTP, MySQL): relayed as it comes.
            tcp.relay(ch, tcpRoute, peer);
            return;
        }
        ch.pipeline().addLast(new ProxyProtocolDetector(peer, trusted(peer.getAddress()), tls != null,
                context.requestTimeout(), context.metrics(), client -> installFor(ch, client)));
    }

    /**
     * Adds the handlers that serve {@code client}: the connection's own source, or the one a trusted proxy's PROXY
     * protocol header carried. Whose forwarding headers are believed is decided on that address, not on the
     * balancer's: behind a TCP balancer that speaks PROXY protocol, an {@code X-Forwarded-For} comes from the client
     * itself (the balancer adds none), so it is believed only when the client is one of {@code --trusted-proxies} too.
     */
    private void installFor(Channel ch, InetSocketAddress client) {
        int listenerPort = ((InetSocketAddress) ch.localAddress()).getPort();
        // a trusted proxy's connection counts for the client its PROXY header names, known only now
        if (trusted(((InetSocketAddress) ch.remoteAddress()).getAddress()) && !admitClient(ch, client, listenerPort)) {
            return;
        }
        TcpRoute tcpRoute = context.table().get().tcpRoute(listenerPort);
        if (tcpRoute != null) { // a port claimed by a TCP route serves only TCP routes
            tcp.relay(ch, tcpRoute, client);
            return;
        }
        if (tls != null && context.table().get().sniHosts(listenerPort) != null) {
            ch.pipeline().addLast(new SniRouter(TlsTermination.MAX_CLIENT_HELLO, tls.handshakeTimeoutMillis(),
                    serverName -> sniRoute(listenerPort, serverName), route -> tcp.relay(ch, route, client),
                    () -> installHttp(ch, client, listenerPort)));
            return;
        }
        installHttp(ch, client, listenerPort);
    }

    /**
     * Counts the connection against {@code --max-connections-per-client} for {@code client} (its own address, or the
     * one a trusted proxy's PROXY header gave); false when it was refused and closed.
     */
    private boolean admitClient(Channel ch, InetSocketAddress client, int listenerPort) {
        ConnectionLimits connections = context.admission().connections();
        if (!connections.openForClient(client.getAddress())) {
            context.refuseConnection(ch, null, client, listenerPort, Refusal.CLIENT_CONNECTIONS);
            return false;
        }
        ch.closeFuture().addListener(f -> connections.closedForClient(client.getAddress()));
        return true;
    }

    /** The SNI rule of the table in force that accepts {@code serverName} on the port, or null. */
    private TcpRoute sniRoute(int port, String serverName) {
        SniHosts hosts = context.table().get().sniHosts(port);
        return hosts == null ? null : hosts.route(serverName);
    }

    /**
     * Adds the handlers that serve HTTP to {@code client}: HTTP/2 or HTTP/1.1 as ALPN chose on a TLS listener, as the
     * first bytes say on a plain one (HTTP/2's preface, else HTTP/1.1, which may ask to upgrade to {@code h2c}).
     */
    private void installHttp(Channel ch, InetSocketAddress client, int listenerPort) {
        ClientConnection connection = new ClientConnection(listenerPort, client.getAddress().getHostAddress(),
                tls != null, trusted(client.getAddress()));
        Consumer<Boolean> protocol = h2 -> {
            if (h2) {
                http2.install(ch, stream -> installExchange(stream, connection, null));
            } else {
                installHttp1(ch, connection);
            }
        };
        if (tls != null) {
            tls.install(ch, connection.clientAddress());
            ch.pipeline().addLast(new AlpnSwitch(protocol));
        } else {
            ch.pipeline().addLast(new PrefaceDetector(context.requestTimeout(), protocol));
        }
    }

    /** The HTTP/1.1 codec and, on a plain listener, what takes up an {@code Upgrade: h2c}; then the exchange. */
    private void installHttp1(Channel ch, ClientConnection connection) {
        // A decoder and an encoder rather than HttpServerCodec: responses from upstreams are written as bytes past
        // the encoder, which the codec's pairing of requests and responses would not know of.
        // Framing's headers refuse a second Content-Length (in HTTP/1.0 the decoder keeps the first, drops the rest)
        ch.pipeline().addLast(new HttpRequestDecoder(new HttpDecoderConfig().setMaxInitialLineLength(8192)
                .setMaxHeaderSize(maxHeaderSize).setMaxChunkSize(8192).setHeadersFactory(Framing.REQUEST_HEADERS)),
                new HttpResponseEncoder());
        if (tls == null) {
            ch.pipeline().addLast(http2.h2cUpgrade(stream -> installExchange(stream, connection, null),
                    ClientPipeline::leaveHttp1));
        }
        installExchange(ch, connection, HttpResponseEncoder.class);
    }

    /**
     * The handlers that route and relay requests, the same for an HTTP/1.1 connection and an HTTP/2 stream.
     *
     * @param rawResponsesPast the handler upstream responses (bytes) skip; null when all before take them
     */
    private void installExchange(Channel ch, ClientConnection connection,
                                 Class<? extends ChannelHandler> rawResponsesPast) {
        UpstreamConnector connector = connectors.computeIfAbsent(ch.eventLoop(),
                loop -> new UpstreamConnector(loop, context.connectTimeout(), context.backendTls()));
        ClientTimeouts timeouts = new ClientTimeouts(context.requestTimeout(), context.keepAliveTimeout());
        RequestQueue queue = new RequestQueue(timeouts, context.keepAliveTimeout(), context.clientTimeout());
        RequestObserver observer = new RequestObserver(context, connection.clientAddress());
        ch.pipeline().addLast(new HttpServerExpectContinueHandler(), timeouts);
        if (context.admission().minBodyRate() > 0) {
            ch.pipeline().addLast(new MinimumBodyRate(context.admission().minBodyRate()));
        }
        ch.pipeline().addLast(queue, new RouteDispatcher(context, queue, observer, connection), new RequestBodyLimit(),
                new ExchangeRelay(context, connector, queue, timeouts, observer, rawResponsesPast));
    }

    /** After an upgrade to {@code h2c}: the HTTP/1.1 handlers leave (all but {@code upgrade}, the one upgrading). */
    private static void leaveHttp1(ChannelHandlerContext upgrade) {
        ChannelPipeline pipeline = upgrade.pipeline();
        for (Class<? extends ChannelHandler> type : List.of(ExchangeRelay.class, RequestBodyLimit.class,
                RouteDispatcher.class, RequestQueue.class, MinimumBodyRate.class, ClientTimeouts.class,
                HttpServerExpectContinueHandler.class, HttpResponseEncoder.class, HttpRequestDecoder.class)) {
            if (pipeline.get(type) != null) {
                pipeline.remove(type);
            }
        }
    }

    private boolean trusted(InetAddress client) {
        for (Cidr range : trustedProxies) {
            if (range.contains(client)) {
                return true;
            }
        }
        return false;
    }
}
