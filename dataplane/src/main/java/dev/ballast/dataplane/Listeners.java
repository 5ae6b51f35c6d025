package dev.ballast.dataplane;

import dev.ballast.config.HostPort;
import dev.ballast.observability.netty.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;

/** Opens the replica's listening sockets, each connection set up as the proxy expects it. */
final class Listeners {

    private Listeners() {
    }

    /**
     * Binds {@code address}; its connections are served on {@code loops}, set up by {@code initializer}.
     *
     * @param name what the listener is, for the error ("TLS listener")
     * @param autoRead whether connections read by themselves (the traffic pipelines ask for each read)
     * @throws ListenerException when it cannot be bound
     */
    static Channel bind(String name, HostPort address, EventLoopGroup loops, ChannelInitializer<Channel> initializer,
                        boolean autoRead) throws InterruptedException {
        // TCP_NODELAY is Netty's default for accepted connections (set when each is created): setting it again would
        // cost a system call per connection.
        ChannelFuture bound = new ServerBootstrap().group(loops).channel(Transports.serverChannel(loops))
                .childOption(ChannelOption.AUTO_READ, autoRead)
                .childOption(ChannelOption.ALLOCATOR, Transports.allocator())
                .childHandler(initializer)
                .bind(address.host(), address.port()).await();
        if (!bound.isSuccess()) {
            throw new ListenerException("cannot open the " + name + " on " + address + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        return bound.channel();
    }
}
