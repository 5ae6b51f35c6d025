package dev.ballast.dataplane.proxy;

import dev.ballast.config.HostPort;
import dev.ballast.schema.EndpointAddresses;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * HTTP/2 connections to the upstreams of H2C and H2 routes, for the client connections of one event loop: each request
 * is a stream on a connection to its endpoint that has room for one more ({@link #MAX_STREAMS} at most, fewer if the
 * upstream says so), a new connection when none has. A connection that fails or is sent away (GOAWAY) takes no new
 * streams; those under way finish or fail with it. One without a stream for {@link #IDLE_SECONDS} is closed. Streams
 * read explicitly, as HTTP/1.1 connections do, so a slow client slows its stream's window, not the connection.
 */
final class Http2Upstreams {

    /** Streams on one upstream connection at most (as many as an HTTP/2 client gets from the proxy). */
    static final int MAX_STREAMS = 100;
    /** A connection without a stream for this long is closed. */
    static final int IDLE_SECONDS = 60;

    private final Bootstrap connections;
    private final EventLoop loop;
    private final Map<String, List<Session>> sessions = new HashMap<>();

    /** @param connections how connections are made (options, event loop); its handler is set here */
    Http2Upstreams(Bootstrap connections, EventLoop loop) {
        this.connections = connections;
        this.loop = loop;
    }

    /**
     * A new stream to {@code address}, its pipeline completed by {@code streamHandlers} after the codec;
     * {@code tls} when the route is H2 (null for H2C).
     */
    Future<Channel> open(String address, SslContext tls, Consumer<Channel> streamHandlers) {
        Promise<Channel> opened = loop.newPromise();
        Session session = available(address);
        if (session == null) {
            session = connect(address, tls);
        }
        session.openStream(opened, tls == null ? "http" : "https", streamHandlers);
        return opened;
    }

    private Session available(String address) {
        for (Session session : sessions.getOrDefault(address, List.of())) {
            if (session.hasRoom()) {
                return session;
            }
        }
        return null;
    }

    private Session connect(String address, SslContext tls) {
        HostPort target = EndpointAddresses.parse(address);
        Session session = new Session(address);
        sessions.computeIfAbsent(address, a -> new ArrayList<>(2)).add(session);
        session.connected = connections.clone()
                .option(ChannelOption.AUTO_READ, true) // per stream, reads stay explicit
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), target.host(), target.port()));
                        }
                        session.codec = Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                                .validateHeaders(true)
                                .build();
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS), session.codec,
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()), session);
                    }
                })
                .connect(target.host(), target.port());
        session.connected.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                session.retire();
            }
        });
        return session;
    }

    /** One connection to an upstream, and the streams opened on it. */
    private final class Session extends ChannelInboundHandlerAdapter {
        private final String address;
        private ChannelFuture connected;
        private Http2FrameCodec codec;
        /** Streams opened and not closed yet (those asked for before the connection was up included). */
        private int streams;
        private boolean retired;

        Session(String address) {
            this.address = address;
        }

        boolean hasRoom() {
            if (retired) {
                return false;
            }
            int max = MAX_STREAMS;
            if (codec != null && codec.connection().local().maxActiveStreams() < max) {
                max = codec.connection().local().maxActiveStreams();
            }
            return streams < max;
        }

        void openStream(Promise<Channel> opened, String scheme, Consumer<Channel> streamHandlers) {
            streams++;
            connected.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    streams--;
                    opened.tryFailure(f.cause());
                    return;
                }
                new Http2StreamChannelBootstrap(f.channel()).handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.config().setAutoRead(false);
                        ch.pipeline().addLast(new Http2UpstreamCodec(scheme));
                        streamHandlers.accept(ch);
                    }
                }).open().addListener(s -> {
                    if (s.isSuccess()) {
                        Channel stream = (Channel) s.getNow();
                        stream.closeFuture().addListener(c -> streams--);
                        opened.trySuccess(stream);
                    } else {
                        streams--;
                        opened.tryFailure(s.cause());
                    }
                });
            });
        }

        /** Takes no new streams: failed, closed, or sent away. */
        void retire() {
            if (!retired) {
                retired = true;
                List<Session> list = sessions.get(address);
                if (list != null) {
                    list.remove(this);
                    if (list.isEmpty()) {
                        sessions.remove(address);
                    }
                }
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                retire();
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent && streams == 0) {
                retire();
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            retire();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            retire();
            ctx.close();
        }
    }
}
