package dev.ballast.sim.api;

import dev.ballast.observability.netty.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** Binds the API on TCP ({@code host:port}, {@code tcp://host:port}) or a unix socket ({@code unix:///path}). */
public final class ApiServer {

    private ApiServer() {
    }

    /** Listens and returns the bound channel; its local address tells the port when 0 was asked for. */
    public static Channel listen(EventLoopGroup group, String address, ApiRouter handler) throws InterruptedException {
        boolean unix = address.startsWith("unix://");
        SocketAddress bindTo;
        if (unix) {
            Path socket = Path.of(address.substring("unix://".length()));
            try {
                Files.deleteIfExists(socket); // a stale socket from a previous run would block the bind
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            bindTo = new DomainSocketAddress(socket.toString());
        } else {
            dev.ballast.config.HostPort hostPort = dev.ballast.config.HostPort.parse(
                    address.startsWith("tcp://") ? address.substring("tcp://".length()) : address);
            bindTo = new InetSocketAddress(hostPort.host(), hostPort.port());
        }
        return new ServerBootstrap()
                .group(group)
                .channel(unix ? Transports.domainServerChannel() : Transports.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(16 << 20), handler);
                    }
                })
                .bind(bindTo).sync().channel();
    }
}
