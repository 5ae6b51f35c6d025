package dev.ballast.controller.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code GET /} and the files it loads: the dashboard, static files read from the jar once. They hold no data (the
 * page fetches {@code /v1/dashboard}, with the token when there is one), so they are served without a token, and a
 * login form can be shown. The content security policy allows the page's own files only: no inline script, nothing
 * from elsewhere, no framing.
 */
final class DashboardFiles extends Endpoint {

    static final String PAGE = "/";
    static final String SCRIPT = "/dashboard/dashboard.js";
    static final String STYLE = "/dashboard/dashboard.css";

    private static final String CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

    private record File(byte[] content, String type) {
    }

    private final Map<String, File> files;

    DashboardFiles() {
        super(java.util.Set.of(PAGE, SCRIPT, STYLE));
        files = Map.of(PAGE, new File(read("index.html"), "text/html; charset=utf-8"),
                SCRIPT, new File(read("dashboard.js"), "text/javascript; charset=utf-8"),
                STYLE, new File(read("dashboard.css"), "text/css; charset=utf-8"));
    }

    private static byte[] read(String name) {
        try (InputStream in = DashboardFiles.class.getResourceAsStream("/dev/ballast/controller/dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard's " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    void handle(ChannelHandlerContext ctx, ApiRequest request) {
        if (!request.message().method().equals(HttpMethod.GET)) {
            FullHttpResponse refused = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.METHOD_NOT_ALLOWED, Unpooled.EMPTY_BUFFER);
            refused.headers().set(HttpHeaderNames.ALLOW, "GET").setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            ctx.writeAndFlush(refused);
            return;
        }
        File file = files.get(request.path());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(file.content()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, file.type())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, file.content().length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache") // a new controller version brings new files
                .set("Content-Security-Policy", CSP)
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer");
        ctx.writeAndFlush(response);
    }
}
