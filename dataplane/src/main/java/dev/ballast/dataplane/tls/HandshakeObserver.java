package dev.ballast.dataplane.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a TLS connection's handshake, right behind the SNI handler (then the {@code SslHandler} it becomes): counts
 * it, ends its span, and closes the connection when it fails (a client that offers nothing in common, sends garbage,
 * names a host no certificate serves when there is no default, or stays silent past the handshake timeout). Once the
 * handshake is done it leaves the pipeline: requests do not pass through it.
 */
final class HandshakeObserver extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(HandshakeObserver.class);
    private static final AttributeKey<String> SERVER_NAME = AttributeKey.stringKey("tls.server.name");
    private static final AttributeKey<String> PROTOCOL = AttributeKey.stringKey("tls.protocol.version");

    private final TlsMetrics metrics;
    private final Span span;
    private String serverName;
    private boolean done;

    /** @param span the handshake's span (a no-op one when tracing is off) */
    HandshakeObserver(TlsMetrics metrics, Span span) {
        this.metrics = metrics;
        this.span = span;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SniCompletionEvent sni) {
            serverName = sni.hostname();
            if (serverName != null) {
                span.setAttribute(SERVER_NAME, serverName);
            }
            if (!sni.isSuccess()) {
                failed(ctx, sni.cause());
            }
        } else if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                String protocol = ctx.pipeline().get(SslHandler.class).engine().getSession().getProtocol();
                metrics.handshake(TlsMetrics.Result.OK, protocol);
                span.setAttribute(PROTOCOL, protocol);
                span.end();
                done = true;
                ctx.pipeline().remove(this);
            } else {
                failed(ctx, handshake.cause());
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed(ctx, cause); // before the handshake is done, nothing behind this handler has a use for it
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) {
            done = true;
            span.setStatus(StatusCode.ERROR, "closed during the handshake");
            span.end();
        }
        ctx.fireChannelInactive();
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        if (!done) {
            done = true;
            metrics.handshake(TlsMetrics.Result.FAILED, null);
            span.setStatus(StatusCode.ERROR, String.valueOf(cause));
            span.end();
            LOG.debug("TLS handshake with {} (server name {}) failed: {}", ctx.channel().remoteAddress(), serverName,
                    cause == null ? "" : cause.toString());
        }
        ctx.close();
    }
}
