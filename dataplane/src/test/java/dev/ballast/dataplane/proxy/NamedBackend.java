package dev.ballast.dataplane.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A backend on a loopback port the system picks that answers every request with its name, after a delay of its own,
 * and tells in {@code X-Seen-Cookie} the {@code Cookie} header it got; {@code /health} answers 200 or, once
 * {@link #healthy} is false, 503. Each response leaves in one write with
 * {@code TCP_NODELAY}, as a real service's would (the JDK's test server writes head and body apart, which Nagle's
 * algorithm and delayed ACKs turn into 40 ms pauses a latency-aware balancer then rightly avoids). Waits without
 * holding a thread, so answers overlap.
 */
final class NamedBackend implements Closeable {

    final String name;
    volatile boolean healthy = true;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel listener;
    /** Its open connections, closed with it as a stopped process's are (a pooled one must not linger open). */
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    NamedBackend(String name, long delayMillis) throws InterruptedException {
        this.name = name;
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(1 << 20), new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                request.uri().equals("/health") && !healthy
                                                        ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK,
                                                Unpooled.copiedBuffer(name, StandardCharsets.UTF_8));
                                        HttpUtil.setContentLength(response, response.content().readableBytes());
                                        HttpUtil.setKeepAlive(response, HttpUtil.isKeepAlive(request));
                                        String cookie = String.join("; ", request.headers().getAll(HttpHeaderNames.COOKIE));
                                        response.headers().set("X-Seen-Cookie", cookie);
                                        if (delayMillis > 0) {
                                            ctx.executor().schedule(() -> ctx.writeAndFlush(response), delayMillis,
                                                    TimeUnit.MILLISECONDS);
                                        } else {
                                            ctx.writeAndFlush(response);
                                        }
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    NamedBackend(String name) throws InterruptedException {
        this(name, 0);
    }

    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Stops listening and drops its connections: connecting to it is refused from now on. Idempotent. */
    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        listener.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
