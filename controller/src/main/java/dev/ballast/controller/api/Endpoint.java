package dev.ballast.controller.api;

import static dev.ballast.controller.api.Responses.json;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One concern of the API as a handler of its own: it takes the requests for its paths and lets every other request
 * pass down the pipeline untouched, so the API is the list of its endpoints in {@link ControllerApi}'s pipeline, ending
 * with {@link NotFound}. An {@link IllegalArgumentException} from an endpoint is the client's mistake: 400 with its
 * message.
 */
@ChannelHandler.Sharable
abstract class Endpoint extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final Set<String> paths;

    Endpoint(Set<String> paths) {
        this.paths = Set.copyOf(paths);
    }

    /** A request as the endpoints read it: its path, and its parameters from the query and a form-encoded body. */
    record ApiRequest(String path, Map<String, String> params, FullHttpRequest message) {

        static ApiRequest of(FullHttpRequest request) {
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            Map<String, String> params = new LinkedHashMap<>();
            uri.parameters().forEach((k, v) -> params.put(k, v.isEmpty() ? "" : v.get(0)));
            if (request.method().equals(HttpMethod.POST) && request.content().isReadable() // Docker Flow may POST
                    && !isJson(request)) {
                String body = request.content().toString(StandardCharsets.UTF_8);
                new QueryStringDecoder(body, false).parameters()
                        .forEach((k, v) -> params.putIfAbsent(k, v.isEmpty() ? "" : v.get(0)));
            }
            return new ApiRequest(uri.path(), Collections.unmodifiableMap(params), request);
        }

        static boolean isJson(FullHttpRequest request) {
            String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
            return type != null && type.toLowerCase(Locale.ROOT).startsWith("application/json");
        }
    }

    @Override
    public boolean acceptInboundMessage(Object msg) {
        return msg instanceof FullHttpRequest request && paths.contains(new QueryStringDecoder(request.uri()).path());
    }

    @Override
    protected final void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            handle(ctx, ApiRequest.of(request));
        } catch (IllegalArgumentException e) {
            json(ctx, 400, Map.of("message", e.getMessage()));
        }
    }

    /** Answers the request, now or later (the request's content is released on return). */
    abstract void handle(ChannelHandlerContext ctx, ApiRequest request);
}
