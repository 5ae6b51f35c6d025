package dev.ballast.dataplane.proxy;

import dev.ballast.config.HostPort;
import dev.ballast.observability.netty.Transports;
import dev.ballast.schema.BackendProtocol;
import dev.ballast.schema.EndpointAddresses;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Upstream connections for the client connections of one event loop: a pooled idle one when there is one, else a new
 * one on the same loop, so both sides of an exchange share a thread and need no locking (for H2C and H2 routes, a
 * stream on a shared HTTP/2 connection of that loop, {@link Http2Upstreams}). Each upstream pipeline reads responses
 * as bytes ({@link ResponseReader}), signals a server timeout's worth of silence, and reports to the
 * {@link UpstreamListener} it is leased to.
 */
final class UpstreamConnector {

    private final Bootstrap connections;
    private final UpstreamPool pool = new UpstreamPool();
    private final Http2Upstreams http2;
    private final EventLoop loop;
    private final SslContext backendTls;

    /** @param backendTls the TLS of connections to H2 routes' endpoints */
    UpstreamConnector(EventLoop loop, Duration connectTimeout, SslContext backendTls) {
        this.loop = loop;
        this.backendTls = backendTls;
        this.connections = new Bootstrap().group(loop).channelFactory(Transports.socketChannelFactory(loop))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOCATOR, Transports.allocator())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
        this.http2 = new Http2Upstreams(connections, loop);
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

    /**
     * A new way to {@code address} for {@code owner}, reads off until the owner asks: an HTTP/1.1 connection, or, for
     * an H2C or H2 route, a stream on an HTTP/2 connection ({@link Http2Upstreams}), over TLS for H2.
     */
    Future<Channel> open(String address, BackendProtocol protocol, Duration serverTimeout, UpstreamListener owner) {
        if (protocol != BackendProtocol.HTTP1) {
            return http2.open(address, protocol == BackendProtocol.H2 ? backendTls : null,
                    stream -> stream.pipeline().addLast(serverTimeout(serverTimeout), new UpstreamHandler(owner)));
        }
        HostPort target = EndpointAddresses.parse(address);
        Promise<Channel> opened = loop.newPromise();
        connections.clone().handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ResponseReader responses = new ResponseReader();
                        ch.pipeline().addLast(responses.requestEncoder(), responses, serverTimeout(serverTimeout),
                                new UpstreamHandler(owner));
                    }
                })
                .connect(target.host(), target.port()).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        opened.setSuccess(f.channel());
                    } else {
                        opened.setFailure(f.cause());
                    }
                });
        return opened;
    }

    /**
     * A connection whose exchange completed cleanly goes back to the pool (or is closed when the pool is full); an
     * HTTP/2 stream, ended both ways by then, closes.
     */
    void release(String address, Channel channel) {
        if (channel instanceof Http2StreamChannel) {
            channel.close();
            return;
        }
        pool.release(address, channel);
    }

    /** Signals each span of {@code timeout} without a byte from the upstream. */
    private static IdleStateHandler serverTimeout(Duration timeout) {
        return new IdleStateHandler(timeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS);
    }
}
