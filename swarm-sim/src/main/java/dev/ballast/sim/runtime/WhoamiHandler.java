package dev.ballast.sim.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Answers like the {@code traefik/whoami} image: {@code Hostname:}, the task's {@code IP:} lines, {@code RemoteAddr:},
 * then the request line and headers as received. {@code ?wait=500ms} delays the answer and {@code /health} answers
 * 200, as in the image. Injected faults ({@link TaskFault}) delay answers or replace them with an error status.
 * Every answer is logged to the task's log (stdout), as the image does with {@code -verbose}.
 */
final class WhoamiHandler extends ChannelInboundHandlerAdapter {

    /** How much of a request body is echoed; the rest is read and dropped. */
    private static final int ECHO_LIMIT = 64 * 1024;

    private final String hostname;
    private final List<String> addresses;
    private final Supplier<TaskFault> fault;
    private final TaskLog log;
    private HttpRequest request;
    private final StringBuilder body = new StringBuilder();

    WhoamiHandler(String hostname, List<String> addresses, Supplier<TaskFault> fault, TaskLog log) {
        this.hostname = hostname;
        this.addresses = addresses;
        this.fault = fault;
        this.log = log;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest head) {
                request = head;
                body.setLength(0);
            }
            if (msg instanceof HttpContent content && body.length() < ECHO_LIMIT) {
                body.append(content.content().toString(StandardCharsets.UTF_8),
                        0, Math.min(content.content().readableBytes(), ECHO_LIMIT - body.length()));
            }
            if (msg instanceof LastHttpContent && request != null) {
                answer(ctx, request, body.toString());
                request = null;
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest request, String requestBody) {
        TaskFault current = fault.get();
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        Duration wait = current.delay();
        List<String> waitParam = uri.parameters().get("wait");
        if (waitParam != null && !waitParam.isEmpty()) {
            try {
                wait = wait.plus(dev.ballast.config.Durations.parse(waitParam.get(0)));
            } catch (IllegalArgumentException e) {
                // the image ignores a bad wait as well
            }
        }
        FullHttpResponse response = current.status() != 0
                ? text(ctx, HttpResponseStatus.valueOf(current.status()), "injected failure\n")
                : uri.path().equals("/health") ? text(ctx, HttpResponseStatus.OK, "")
                : text(ctx, HttpResponseStatus.OK, page(ctx, request, requestBody));
        log.stdout(requestLine(ctx, request) + " " + response.status().code());
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        Runnable send = () -> {
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(response);
            }
        };
        if (wait.isZero()) {
            send.run();
        } else {
            ctx.executor().schedule(send, wait.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private String page(ChannelHandlerContext ctx, HttpRequest request, String requestBody) {
        StringBuilder out = new StringBuilder();
        out.append("Hostname: ").append(hostname).append('\n');
        out.append("IP: 127.0.0.1\n");
        for (String address : addresses) {
            out.append("IP: ").append(address).append('\n');
        }
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        out.append("RemoteAddr: ").append(remote.getAddress().getHostAddress()).append(':').append(remote.getPort())
                .append('\n');
        out.append(request.method()).append(' ').append(request.uri()).append(' ').append(request.protocolVersion())
                .append('\n');
        for (Map.Entry<String, String> header : request.headers()) {
            out.append(header.getKey()).append(": ").append(header.getValue()).append('\n');
        }
        out.append('\n');
        out.append(requestBody);
        return out.toString();
    }

    /** {@code CLIENT "METHOD URI VERSION"}, the start of an access-log line. */
    static String requestLine(ChannelHandlerContext ctx, HttpRequest request) {
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        return remote.getAddress().getHostAddress() + ":" + remote.getPort() + " \"" + request.method() + " "
                + request.uri() + " " + request.protocolVersion() + "\"";
    }

    private static FullHttpResponse text(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
        ByteBuf content = ctx.alloc().buffer(body.length()).writeBytes(body.getBytes(StandardCharsets.UTF_8));
        FullHttpResponse response = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return response;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
