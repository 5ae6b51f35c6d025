package dev.ballast.dataplane.fuzz;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * An embedded channel that passes for a TCP connection a listener accepted: socket addresses at both ends (the client
 * pipeline reads the listener's port and the client's address from them), not yet registered, so that the handlers
 * installed on it see its {@code channelActive} as on a real connection once {@link #register()} is called.
 */
final class AcceptedChannel extends EmbeddedChannel {

    private final InetSocketAddress local;
    private final InetSocketAddress remote;

    AcceptedChannel(InetSocketAddress local, InetSocketAddress remote, ByteBufAllocator allocator) {
        super(EmbeddedChannel.builder().register(false));
        this.local = local;
        this.remote = remote;
        config().setAllocator(allocator);
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }
}
