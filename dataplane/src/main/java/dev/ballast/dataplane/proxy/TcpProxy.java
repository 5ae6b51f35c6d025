package dev.ballast.dataplane.proxy;

import dev.ballast.config.HostPort;
import dev.ballast.dataplane.balancing.Upstream;
import dev.ballast.dataplane.limits.Refusal;
import dev.ballast.dataplane.routing.TcpRoute;
import dev.ballast.observability.netty.Transports;
import dev.ballast.schema.EndpointAddresses;
import dev.ballast.schema.ProxyProtocolVersion;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a connection accepted on a port that a TCP route claims: picks an endpoint with the route's balancer among
 * those not ejected, connects on the client's event loop (the client reads nothing meanwhile: a child channel starts
 * with {@code autoRead} off), retries another endpoint after a connect failure up to the route's
 * {@code retries.attempts} (nothing has been sent yet, so a retry is always safe), then joins both channels in a
 * {@link TcpRelay}, after the route's PROXY protocol header if it sends one ({@link ProxyProtocolHeader}). The idle
 * timeout is the rule's tunnel timeout.
 *
 * <p>The balancer hears of the connect time as the endpoint's latency, and counts the connection in flight while it is
 * open ({@link Upstream#connected}); connect failures go to the outlier detector, which may eject the endpoint.
 */
public final class TcpProxy {

    private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);

    /** Upstream channels start without handlers: the relay is added once connected. */
    private static final ChannelHandler NO_HANDLER = new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
            // nothing before the relay
        }
    };

    private final ProxyContext context;
    private final TcpConnections connections;
    /** How upstream connections are opened, one per event loop (each connects on its client's loop). */
    private final Map<EventLoop, Bootstrap> bootstraps = new ConcurrentHashMap<>();

    public TcpProxy(ProxyContext context, TcpConnections connections) {
        this.context = context;
        this.connections = connections;
    }

    /**
     * Takes over a client connection accepted on {@code route}'s port.
     *
     * @param source the client's address and port: the connection's own, or what a trusted proxy's PROXY protocol
     *     header said (the route's own PROXY protocol header, if it sends one, passes it on)
     */
    void relay(Channel client, TcpRoute route, InetSocketAddress source) {
        if (!route.limits().admits(source.getAddress())) {
            context.refuseConnection(client, route.name(), source, route.port(), Refusal.SOURCE_RANGE);
            return;
        }
        TcpConnections.Relay relay = connections.add(route.name(), client);
        context.metrics().tcpConnection(route.name());
        client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        long idle = context.tunnelTimeout(route.rule()).toMillis();
        client.pipeline().addLast("tcp-idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
        client.pipeline().addLast("tcp-early-input", new TcpRelay.EarlyInput());
        new Attempts(client, route, relay, source).next();
    }

    /** The connect attempts of one client connection; confined to its event loop. */
    private final class Attempts {
        private final Channel client;
        private final TcpRoute route;
        private final TcpConnections.Relay relay;
        private final Upstreams.Set set;
        private final InetSocketAddress source;
        private final List<Upstream> tried = new ArrayList<>(2);

        Attempts(Channel client, TcpRoute route, TcpConnections.Relay relay, InetSocketAddress source) {
            this.client = client;
            this.route = route;
            this.relay = relay;
            this.source = source;
            this.set = context.upstreams().of(route.route(), route.rule(), route.endpoints());
        }

        void next() {
            long now = System.nanoTime();
            List<Upstream> candidates = new ArrayList<>(set.outliers().available(now));
            candidates.removeAll(tried);
            set.removeUnhealthy(candidates);
            if (candidates.isEmpty() || tried.size() > route.route().spec().retries().attempts()) {
                LOG.debug("route {}: no endpoint accepted the TCP connection from {} (tried {})", route.name(),
                        client.remoteAddress(), tried.stream().map(Upstream::address).toList());
                client.close();
                return;
            }
            Upstream upstream = set.balancer().pick(candidates);
            tried.add(upstream);
            upstream.start();
            long started = System.nanoTime();
            bootstrap().connect(socketAddress(upstream.address())).addListener((ChannelFutureListener) f -> {
                long at = System.nanoTime();
                if (f.isSuccess()) {
                    connected(upstream, f.channel(), at, at - started);
                } else {
                    failed(upstream, at, at - started, f.cause());
                }
            });
        }

        private void connected(Upstream upstream, Channel channel, long now, long connectNanos) {
            upstream.connected(now, connectNanos);
            set.outliers().record(upstream, false, now);
            channel.closeFuture().addListener(f -> upstream.disconnected());
            if (!client.isActive()) {
                channel.close(); // the client left while we connected
                return;
            }
            relay.connected(channel);
            ProxyProtocolVersion version = route.route().spec().proxyProtocol();
            if (version != null) {
                ProxyProtocolHeader.write(channel, version, source, (InetSocketAddress) client.localAddress());
            }
            TcpRelay.join(client, channel);
        }

        private void failed(Upstream upstream, long now, long connectNanos, Throwable cause) {
            upstream.end(now, connectNanos, true);
            if (set.outliers().record(upstream, true, now)) {
                LOG.warn("route {}: upstream {} ejected for {} s after {} failures in a row (ejection {})",
                        route.name(), upstream.address(),
                        TimeUnit.NANOSECONDS.toSeconds(upstream.ejectedUntilNanos() - now),
                        set.outliers().settings().consecutiveFailures(), upstream.ejections());
            }
            context.metrics().connectFailed(route.name());
            LOG.debug("route {}: cannot connect to {}: {}", route.name(), upstream.address(), cause.toString());
            if (client.isActive()) {
                next();
            }
        }

        /**
         * An address literal is connected to as it is; a host name goes through Netty's resolver (the one a
         * {@code Bootstrap} uses when given an unresolved address).
         */
        private InetSocketAddress socketAddress(String address) {
            HostPort target = EndpointAddresses.parse(address);
            return NetUtil.isValidIpV4Address(target.host()) || NetUtil.isValidIpV6Address(target.host())
                    ? new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(target.host()), target.port())
                    : InetSocketAddress.createUnresolved(target.host(), target.port());
        }

        /** Netty sets TCP_NODELAY on every new connection already. */
        private Bootstrap bootstrap() {
            return bootstraps.computeIfAbsent(client.eventLoop(), loop -> new Bootstrap().group(loop)
                    .channelFactory(Transports.socketChannelFactory(loop))
                    // Reading from the start saves a system call per connection (epoll learns of reads with the
                    // registration): nothing can be read before the connect completes, and the relay is added by the
                    // listener the completion runs, before the first read.
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.ALLOCATOR, Transports.allocator())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) context.connectTimeout().toMillis())
                    .handler(NO_HANDLER));
        }
    }
}
