package dev.ballast.sim.runtime;

import dev.ballast.observability.netty.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One virtual IP: accepts TCP on {@code vip:port} and relays each connection to the next backend, round robin, the
 * way IPVS does for a Swarm service VIP. Reads are driven by writes on the other side, so a slow peer slows the
 * relay instead of filling memory. With no backends, connections are closed at once.
 */
final class VipForwarder {

    private final ChannelFuture bound;
    private final AtomicReference<List<String>> backends;
    /** The clients' connections still open; each closes its backend connection when it closes. */
    private final Set<Channel> connections;

    private VipForwarder(ChannelFuture bound, AtomicReference<List<String>> backends, Set<Channel> connections) {
        this.bound = bound;
        this.backends = backends;
        this.connections = connections;
    }

    /** Starts listening on {@code vip:port}; the returned forwarder can be updated or closed at once. */
    static VipForwarder open(EventLoopGroup group, String vip, int port, List<String> backends) {
        AtomicReference<List<String>> targets = new AtomicReference<>(List.copyOf(backends));
        AtomicInteger counter = new AtomicInteger();
        Set<Channel> connections = ConcurrentHashMap.newKeySet();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel inbound) {
                        connections.add(inbound);
                        inbound.closeFuture().addListener(f -> connections.remove(inbound));
                        inbound.pipeline().addLast(new Frontend(targets, counter, port));
                    }
                });
        ChannelFuture bound = bootstrap.bind(new InetSocketAddress(vip, port));
        bound.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                org.slf4j.LoggerFactory.getLogger(VipForwarder.class)
                        .warn("virtual IP {}:{} could not listen: {}", vip, port, f.cause().toString());
            }
        });
        return new VipForwarder(bound, targets, connections);
    }

    void backends(List<String> addresses) {
        backends.set(List.copyOf(addresses));
    }

    /** Stops listening and ends the connections it relays (see {@code TaskServers#closeAll} for why both). */
    void close() {
        bound.channel().close();
        connections.forEach(Channel::close);
    }

    /**
     * Relays what one side reads to {@code peer}, reading the next message only once the write succeeded (so a slow
     * peer slows the relay instead of filling memory), and closes the peer when this side closes.
     */
    private abstract static class Relay extends ChannelInboundHandlerAdapter {

        abstract Channel peer();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer().writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.channel().read();
                } else {
                    f.channel().close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer() != null) {
                closeOnFlush(peer());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeOnFlush(ctx.channel());
        }
    }

    /** The client side: connects to the next backend on the same event loop, then relays to it. */
    private static final class Frontend extends Relay {
        private final AtomicReference<List<String>> targets;
        private final AtomicInteger counter;
        private final int port;
        private Channel outbound;

        Frontend(AtomicReference<List<String>> targets, AtomicInteger counter, int port) {
            this.targets = targets;
            this.counter = counter;
            this.port = port;
        }

        @Override
        Channel peer() {
            return outbound;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            List<String> current = targets.get();
            if (current.isEmpty()) {
                ctx.close();
                return;
            }
            String backend = current.get(Math.floorMod(counter.getAndIncrement(), current.size()));
            Channel inbound = ctx.channel();
            ChannelFuture connect = new Bootstrap()
                    .group(inbound.eventLoop())
                    .channel(Transports.socketChannel())
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new Backend(inbound))
                    .connect(new InetSocketAddress(backend, port));
            outbound = connect.channel();
            connect.addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    inbound.read();
                } else {
                    inbound.close();
                }
            });
        }
    }

    /** The backend side: relays answers back to the client. */
    private static final class Backend extends Relay {
        private final Channel inbound;

        Backend(Channel inbound) {
            this.inbound = inbound;
        }

        @Override
        Channel peer() {
            return inbound;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }
    }

    static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
