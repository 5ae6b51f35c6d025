package dev.ballast.dataplane.http2;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The client side of HTTP/2: the handlers of a connection that speaks it (by ALPN, by prior knowledge or after an
 * {@code Upgrade: h2c}), each stream a child channel served by the HTTP handlers {@code streamHandlers} adds after its
 * {@link ServerStreamCodec}. Reads are explicit on streams ({@code AUTO_READ} off), so a stream's DATA are taken — and
 * its flow-control window reopened — only as fast as its upstream accepts them; a slow upstream slows that stream, not
 * the connection.
 *
 * <p>Bounds and protections: {@link Limits#maxConcurrentStreams} concurrent streams (more are refused with {@code
 * REFUSED_STREAM}); the header list size; resets per window, whether the client sends them (rapid reset,
 * CVE-2023-44487: a GOAWAY past the bound) or makes the proxy send them (MadeYouReset, CVE-2025-55163: the connection
 * is closed past the bound — Netty's encoder closes it at once, its GOAWAY may not leave); CONTINUATION frames too
 * small to be honest; runs of empty DATA frames; headers checked (no connection-specific fields, pseudo-headers as
 * required, {@code content-length} matching the DATA). A drain (the replica stopping) sends GOAWAY and lets the streams
 * under way finish for the drain timeout; a connection without a stream for the idle timeout is closed the same way.
 */
public final class Http2Server {

    /** Resets allowed per window, either way, before the connection is ended with a GOAWAY. */
    static final int MAX_RESETS_PER_WINDOW = 200;
    static final int RESET_WINDOW_SECONDS = 30;
    /** Consecutive DATA frames without data (nor end of stream) allowed. */
    static final int MAX_EMPTY_DATA_FRAMES = 2;
    /** CONTINUATION frames smaller than is honest that a header block may take. */
    static final int MAX_SMALL_CONTINUATIONS = 16;

    /**
     * @param maxConcurrentStreams streams a client may have open at once
     * @param maxHeaderListSize the largest header list (HPACK-decoded sizes, as SETTINGS_MAX_HEADER_LIST_SIZE counts)
     * @param drainTimeout how long streams under way may take to finish after a GOAWAY
     * @param idleTimeout how long a connection may stay without a stream
     */
    public record Limits(int maxConcurrentStreams, int maxHeaderListSize, Duration drainTimeout,
                         Duration idleTimeout) {
    }

    private final Limits limits;
    private final Object drainEvent;

    /** @param drainEvent the user event that asks a client connection to finish */
    public Http2Server(Limits limits, Object drainEvent) {
        this.limits = limits;
        this.drainEvent = drainEvent;
    }

    /** Adds to {@code ch} (its HTTP/2 chosen already) the handlers of an HTTP/2 connection. */
    public void install(Channel ch, Consumer<Channel> streamHandlers) {
        Http2FrameCodec codec = frameCodec();
        ch.pipeline().addLast(idleTimer(), codec, new Http2MultiplexHandler(new StreamInitializer(streamHandlers)),
                new Session(codec));
        ch.config().setAutoRead(true); // per stream, reads stay explicit
    }

    /**
     * The handler that takes up an {@code Upgrade: h2c} on an HTTP/1.1 connection, switching it to the same handlers as
     * {@link #install} adds (the upgrading request becomes stream 1).
     *
     * @param leaveHttp1 removes the connection's HTTP/1.1 handlers
     */
    public H2cUpgrade h2cUpgrade(Consumer<Channel> streamHandlers,
                                 Consumer<ChannelHandlerContext> leaveHttp1) {
        return new H2cUpgrade(() -> {
            Http2FrameCodec codec = frameCodec();
            return new Http2ServerUpgradeCodec(codec, new Http2MultiplexHandler(new StreamInitializer(streamHandlers)),
                    new Session(codec), new AutoRead());
        }, leaveHttp1.andThen(ctx -> ctx.pipeline().addAfter(ctx.name(), null, idleTimer())));
    }

    private Http2FrameCodec frameCodec() {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(limits.maxConcurrentStreams())
                .maxHeaderListSize(limits.maxHeaderListSize());
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
                .encoderEnforceMaxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_EMPTY_DATA_FRAMES)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATIONS)
                .gracefulShutdownTimeoutMillis(limits.drainTimeout().toMillis())
                .build();
    }

    IdleStateHandler idleTimer() {
        return new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sets up each stream's channel: explicit reads, the codec, the HTTP handlers. */
    private static final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
        private final Consumer<Channel> streamHandlers;

        StreamInitializer(Consumer<Channel> streamHandlers) {
            this.streamHandlers = streamHandlers;
        }

        @Override
        protected void initChannel(Http2StreamChannel ch) {
            ch.config().setAutoRead(false);
            ch.pipeline().addLast(new ServerStreamCodec());
            streamHandlers.accept(ch);
        }
    }

    /** Turns the connection's reads on once it is HTTP/2 (after an upgrade; on streams, reads stay explicit). */
    private static final class AutoRead extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(true);
            ctx.pipeline().remove(this);
        }
    }

    /**
     * The connection as a whole: drained and idle connections end with a GOAWAY, and one ended by an error lingers
     * ({@link LingerAfterError}, put before the codec however the connection came to HTTP/2).
     */
    private final class Session extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        Session(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            String codecName = ctx.pipeline().context(codec).name();
            ctx.pipeline().addBefore(codecName, null, new LingerAfterError(codec.connection()));
            // Each stream's response, written as its upstream's read completes, flushes the connection on its own:
            // flushes are gathered into one per event-loop turn (and per read), so responses that end in the same
            // turn leave in one system call, as they would from a multiplexer that flushes once per loop.
            ctx.pipeline().addBefore(codecName, null, new FlushConsolidationHandler(
                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == drainEvent) {
                ctx.close(); // GOAWAY; the streams under way finish, for the drain timeout at most
            } else if (event instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(event);
            }
        }

        /** An HTTP/2 error is the codec's to answer (a GOAWAY with its code, then the close); others close here. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
                ctx.close();
            }
        }
    }
}
