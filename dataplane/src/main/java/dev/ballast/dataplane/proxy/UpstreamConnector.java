package dev.ballast.dataplane.proxy;

import dev.ballast.config.HostPort;
import dev.ballast.observability.netty.Transports;
import dev.ballast.schema.EndpointAddresses;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Upstream connections for the client connections of one event loop: a pooled idle one when there is one, else a new
 * one on the same loop (so both sides of an exchange share a thread and need no locking). Each upstream pipeline reads
 * responses as bytes ({@link ResponseReader}), signals a server timeout's worth of silence, and reports to the
 * {@link UpstreamListener} it is leased to.
 */
final class UpstreamConnector {

    private final Bootstrap connections;
    private final UpstreamPool pool = new UpstreamPool();

    UpstreamConnector(EventLoop loop, Duration connectTimeout) {
        this.connections = new Bootstrap().group(loop).channelFactory(Transports.socketChannelFactory(loop))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOCATOR, Transports.allocator())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
    }

    /**
     * An idle pooled connection to {@code address} leased to {@code owner}, its server timeout restarted (it counts
     * from the last read, which was while the connection sat idle), or null when there is none.
     */
    Channel reuse(String address, Duration serverTimeout, UpstreamListener owner) {
        Channel pooled = pool.acquire(address);
        if (pooled == null) {
            return null;
        }
        pooled.pipeline().get(UpstreamHandler.class).lease(owner);
        IdleStateHandler timer = pooled.pipeline().get(IdleStateHandler.class);
        if (timer.getReaderIdleTimeInMillis() == serverTimeout.toMillis()) {
            timer.resetReadTimeout(); // no new timer per request
        } else {
            pooled.pipeline().replace(timer, "server-timeout", serverTimeout(serverTimeout));
        }
        return pooled;
    }

    /** Connects to {@code address} for {@code owner}; reads stay off until the owner asks. */
    ChannelFuture open(String address, Duration serverTimeout, UpstreamListener owner) {
        HostPort target = EndpointAddresses.parse(address);
        return connections.clone().handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ResponseReader responses = new ResponseReader();
                        ch.pipeline().addLast(responses.requestEncoder(), responses, serverTimeout(serverTimeout),
                                new UpstreamHandler(owner));
                    }
                })
                .connect(target.host(), target.port());
    }

    /** A connection whose exchange completed cleanly goes back to the pool (or is closed when the pool is full). */
    void release(String address, Channel channel) {
        pool.release(address, channel);
    }

    /** Signals each span of {@code timeout} without a byte from the upstream. */
    private static IdleStateHandler serverTimeout(Duration timeout) {
        return new IdleStateHandler(timeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS);
    }
}
