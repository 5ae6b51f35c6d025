package dev.ballast.controller.api;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;

/**
 * First in the API's pipeline when the controller has a token ({@code --token-file}): a request without
 * {@code Authorization: Bearer <token>} gets 401 and goes no further, except the probes and metrics (an orchestrator's
 * health check and a Prometheus scrape carry no token), the Docker Flow pings, and the dashboard's static files (its
 * data is asked for with the token its login form takes). The comparison takes the same time
 * whatever the token sent, so it reveals nothing of the right one.
 */
@ChannelHandler.Sharable
final class TokenGate extends ChannelInboundHandlerAdapter {

    private static final Set<String> OPEN = Set.of("/healthz", "/readyz", "/metrics", "/ping",
            "/v1/docker-flow-proxy/ping", "/v1/docker-flow-swarm-listener/ping",
            DashboardFiles.PAGE, DashboardFiles.SCRIPT, DashboardFiles.STYLE);

    private final byte[] expected;

    TokenGate(String token) {
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request && !OPEN.contains(new QueryStringDecoder(request.uri()).path())
                && !allowed(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            request.release();
            Responses.send(ctx, HttpResponseStatus.UNAUTHORIZED, dev.ballast.schema.RouteJson.writeBytes(Map.of(
                    "message", "this controller requires Authorization: Bearer <token> (its --token-file)")),
                    null);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private boolean allowed(String authorization) {
        return authorization != null
                && MessageDigest.isEqual(expected, authorization.trim().getBytes(StandardCharsets.UTF_8));
    }
}
