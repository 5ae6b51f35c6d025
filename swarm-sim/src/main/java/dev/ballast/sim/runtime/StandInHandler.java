package dev.ballast.sim.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * What a task of an image the emulator cannot run answers in its place: a plain-text page saying that it is an
 * emulated stand-in, naming the image and the task's hostname, and the request line as it arrived (so a path rewrite
 * by the proxy is visible). A WebSocket upgrade is accepted and every message echoed back, so WebSocket routes can be
 * tried too. Request bodies are read and dropped. Each request is logged to the task's log.
 */
final class StandInHandler extends ChannelInboundHandlerAdapter {

    /** Marks every answer, so that no one mistakes it for the image's. */
    static final String HEADER = "X-Swarm-Sim-Stand-In";

    private final String image;
    private final String hostname;
    private final TaskLog log;
    /** The head of the request being read; answered once its last content arrives. */
    private HttpRequest request;
    private WebSocketServerHandshaker handshaker;

    StandInHandler(String image, String hostname, TaskLog log) {
        this.image = image;
        this.hostname = hostname;
        this.log = log;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof WebSocketFrame frame) {
            echo(ctx, frame);
            return;
        }
        try {
            if (msg instanceof HttpRequest head) {
                request = head;
            }
            if (msg instanceof LastHttpContent && request != null) {
                HttpRequest done = request;
                request = null;
                if (isWebSocketUpgrade(done)) {
                    upgrade(ctx, done);
                } else {
                    answer(ctx, done);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static boolean isWebSocketUpgrade(HttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && request.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest request) {
        String body = "Emulated by swarm-sim: a stand-in for the image " + image + ", which does not run here.\n"
                + "Image: " + image + "\n"
                + "Hostname: " + hostname + "\n"
                + "Request: " + request.method() + " " + request.uri() + " " + request.protocolVersion() + "\n";
        ByteBuf content = ctx.alloc().buffer(body.length()).writeBytes(body.getBytes(StandardCharsets.UTF_8));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HEADER, image);
        log.stdout(WhoamiHandler.requestLine(ctx, request) + " 200");
        if (HttpUtil.isKeepAlive(request)) {
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void upgrade(ChannelHandlerContext ctx, HttpRequest head) {
        // An upgrade request has no body; the handshake wants the request whole.
        FullHttpRequest request = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE);
        handshaker = new WebSocketServerHandshakerFactory("ws://" + hostname + head.uri(), null, true)
                .newHandshaker(request);
        if (handshaker == null) {
            log.stdout(WhoamiHandler.requestLine(ctx, head) + " 426");
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        log.stdout(WhoamiHandler.requestLine(ctx, head) + " 101 (WebSocket echo)");
        // From here on the connection carries frames, not HTTP messages.
        if (ctx.pipeline().get(HttpServerKeepAliveHandler.class) != null) {
            ctx.pipeline().remove(HttpServerKeepAliveHandler.class);
        }
        try {
            handshaker.handshake(ctx.channel(), request).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        } catch (WebSocketHandshakeException e) {
            String body = "bad WebSocket handshake: " + e.getMessage() + "\n";
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.BAD_REQUEST, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE).set(HEADER, image);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Sends data frames back as they came; answers pings; a close is answered and ends the connection. */
    private void echo(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            handshaker.close(ctx.channel(), close); // takes the frame over
        } else if (frame instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
        } else if (frame instanceof PongWebSocketFrame) {
            frame.release();
        } else {
            ctx.writeAndFlush(frame);
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false); // a client that does not read its echoes is not read
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
