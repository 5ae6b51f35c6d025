package dev.ballast.observability.netty;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ThreadFactory;

/**
 * Native epoll where the platform has it (and with it unix sockets), NIO elsewhere; for proxied traffic, io_uring
 * where the kernel offers it ({@link #trafficGroup}). The channels of a group are of its transport: the
 * {@code serverChannel} and {@code socketChannelFactory} that take a group or loop pick them.
 */
public final class Transports {

    private Transports() {
    }

    public static boolean nativeAvailable() {
        return Epoll.isAvailable();
    }

    /**
     * The event loops of proxied traffic: io_uring when {@code ioUring} and the kernel offers it, else those of
     * {@link #group}. With io_uring, the kernel takes batches of operations in one call: a proxied connection costs
     * far fewer system calls (measured in bench/README.md). Its threads are named {@code ballast-traffic-…}, so that
     * thread dumps, profiles and bench/allocation.sh tell them from the admin and API loops.
     */
    public static EventLoopGroup trafficGroup(int threads, boolean ioUring) {
        ThreadFactory named = new DefaultThreadFactory("ballast-traffic");
        return new MultiThreadIoEventLoopGroup(threads, named, ioUring && IoUring.isAvailable()
                ? IoUringIoHandler.newFactory() : defaultFactory());
    }

    /** What {@link #trafficGroup} runs on, for the start log: the transport, and why not io_uring if not. */
    public static String trafficTransport(boolean ioUring) {
        if (ioUring && IoUring.isAvailable()) {
            return "io_uring";
        }
        String fallback = nativeAvailable() ? "epoll" : "NIO";
        return ioUring ? fallback + " (io_uring is unavailable: " + IoUring.unavailabilityCause() + ")"
                : fallback + " (--io-uring false)";
    }

    public static EventLoopGroup group(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, defaultFactory());
    }

    private static IoHandlerFactory defaultFactory() {
        return nativeAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /**
     * The buffer allocator for proxied traffic: Netty's pooled one. Netty 4.2's default (adaptive) spends more per
     * request here, in its recycler, on many small messages (measured: about 5% fewer requests per second through the
     * dataplane on 2 cores).
     */
    public static ByteBufAllocator allocator() {
        return PooledByteBufAllocator.DEFAULT;
    }

    /** The listening channels of {@code group}'s transport. */
    public static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
        return isIoUring(group.next()) ? IoUringServerSocketChannel.class : serverChannel();
    }

    /** The client channels of {@code loop}'s transport, made by constructor call. */
    public static ChannelFactory<SocketChannel> socketChannelFactory(EventLoop loop) {
        return isIoUring(loop) ? IoUringSocketChannel::new : socketChannelFactory();
    }

    private static boolean isIoUring(EventLoop loop) {
        return loop instanceof IoEventLoop io && io.isIoType(IoUringIoHandler.class);
    }

    public static Class<? extends ServerChannel> serverChannel() {
        return nativeAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends SocketChannel> socketChannel() {
        return nativeAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /**
     * Makes the client channels of a {@code Bootstrap} that opens many (one per proxied TCP connection) by a plain
     * constructor call: {@code Bootstrap.channel(Class)} makes each one by reflection.
     */
    public static ChannelFactory<SocketChannel> socketChannelFactory() {
        return nativeAvailable() ? EpollSocketChannel::new : NioSocketChannel::new;
    }

    /** Unix-socket servers need the native transport. */
    public static Class<? extends ServerChannel> domainServerChannel() {
        if (!nativeAvailable()) {
            throw new IllegalStateException("unix sockets need Netty's native epoll transport, which is not "
                    + "available here: " + Epoll.unavailabilityCause());
        }
        return EpollServerDomainSocketChannel.class;
    }
}
