package dev.ballast.dataplane.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Lets the HTTP/1.1 handlers that serve a connection serve one HTTP/2 stream, so that an HTTP/2 request takes the very
 * path an HTTP/1.1 one does. Inbound, the stream's first HEADERS become an {@link HttpRequest} ({@code :authority} as
 * its {@code Host}, {@code cookie} fields joined as HTTP/1.1 wants them, {@code Transfer-Encoding: chunked} when a body
 * of undeclared length follows, so an HTTP/1.1 upstream can frame it), its DATA body parts, its end (with trailers, if
 * any) a {@link LastHttpContent}; the HTTP/2 codec before it has checked the stream already (no connection-specific
 * fields, DATA that add up to its {@code content-length}). Outbound, the answer those handlers write — the proxy's own
 * as an {@link HttpResponse}, an upstream's as HTTP/1.1 bytes — becomes HEADERS, DATA and trailers
 * ({@link ResponseFramer}); to a gRPC call, the proxy's own refusals are a gRPC status ({@link GrpcCalls}). Closing
 * the stream after a body delimited by the close ends the stream first.
 */
public final class ServerStreamCodec extends ChannelDuplexHandler {

    private boolean grpcCall;
    /** Made with the request's head: null until it has come. */
    private ResponseFramer framer;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame frame) {
            if (framer == null) {
                HttpRequest request = request(frame.headers(), !frame.isEndStream());
                grpcCall = GrpcCalls.isCall(frame.headers().get(HttpHeaderNames.CONTENT_TYPE));
                framer = new ResponseFramer(HttpMethod.HEAD.equals(request.method()));
                ctx.fireChannelRead(request);
                if (frame.isEndStream()) {
                    ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
                }
            } else {
                LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
                for (Map.Entry<CharSequence, CharSequence> field : frame.headers()) {
                    last.trailingHeaders().add(field.getKey(), field.getValue());
                }
                ctx.fireChannelRead(last);
            }
        } else if (msg instanceof Http2DataFrame data) {
            ByteBuf content = data.content(); // its ownership goes on with the part
            ctx.fireChannelRead(data.isEndStream() ? new DefaultLastHttpContent(content)
                    : new DefaultHttpContent(content));
        } else {
            ReferenceCountUtil.release(msg); // nothing else concerns the request
        }
    }

    /** The HTTP/1.1 form of a request's head. */
    private static HttpRequest request(Http2Headers headers, boolean bodyFollows) {
        HttpMethod method = HttpMethod.valueOf(headers.method().toString());
        CharSequence target = method.equals(HttpMethod.CONNECT) ? headers.authority() : headers.path();
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method,
                target == null ? "" : target.toString(), false);
        HttpHeaders out = request.headers();
        if (headers.authority() != null) {
            out.set(HttpHeaderNames.HOST, headers.authority());
        }
        StringBuilder cookies = null;
        for (Map.Entry<CharSequence, CharSequence> field : headers) {
            CharSequence name = field.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue;
            }
            if (AsciiString.contentEquals(name, HttpHeaderNames.COOKIE)) {
                cookies = cookies == null ? new StringBuilder() : cookies.append("; ");
                cookies.append(field.getValue());
            } else if (!(AsciiString.contentEquals(name, HttpHeaderNames.HOST) && out.contains(HttpHeaderNames.HOST))) {
                out.add(name, field.getValue());
            }
        }
        if (cookies != null) {
            out.set(HttpHeaderNames.COOKIE, cookies.toString());
        }
        if (bodyFollows && !out.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            out.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return request;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Frames frames = new Frames(ctx);
        try {
            if (msg instanceof ByteBuf bytes) {
                framer.bytes(bytes, frames);
            } else if (msg instanceof HttpResponse response) {
                ownAnswer(response, frames);
            } else {
                ReferenceCountUtil.release(msg);
            }
        } finally {
            frames.finish(promise);
        }
    }

    /** The proxy's own answer (an error, a redirect, a 100 Continue): whole, in one HEADERS and one DATA at most. */
    private void ownAnswer(HttpResponse response, Frames out) {
        Http2Headers headers = new DefaultHttp2Headers().status(response.status().codeAsText());
        for (Map.Entry<String, String> field : response.headers()) {
            AsciiString name = AsciiString.of(field.getKey()).toLowerCase();
            if (!Http2Forbidden.isConnectionSpecific(name)) {
                headers.add(name, field.getValue());
            }
        }
        boolean interim = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        ByteBuf body = response instanceof FullHttpResponse full ? full.content() : Unpooled.EMPTY_BUFFER;
        if (grpcCall && response.status().code() >= 400) {
            // a gRPC client reads a status, not a page: the answer's text becomes its message
            GrpcCalls.trailersOnly(headers, response.status().code(), body.toString(StandardCharsets.UTF_8).trim());
            out.headers(headers, true);
            ReferenceCountUtil.release(response);
            return;
        }
        if (interim || !body.isReadable()) {
            out.headers(headers, !interim);
            ReferenceCountUtil.release(response);
            return;
        }
        out.headers(headers, false);
        out.data(body, true); // the response's content, released with the frame
    }

    /**
     * A stream error (a {@code content-length} its DATA belie, say) stops here: the stream is reset with that error
     * right after, and closing it from behind would reset it first with {@code CANCEL}. The handlers behind hear of
     * the stream's end as it closes.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof Http2Exception)) {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (framer != null && framer.awaitingClose()) {
            Frames frames = new Frames(ctx);
            framer.close(frames);
            frames.finish(ctx.newPromise());
            ctx.flush();
        }
        ctx.close(promise);
    }

    /** Writes the frames of one write; the write's promise goes with the last of them. */
    private static final class Frames implements ResponseFramer.Frames {
        private final ChannelHandlerContext ctx;
        private Object held;

        Frames(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void headers(Http2Headers headers, boolean endStream) {
            add(new DefaultHttp2HeadersFrame(headers, endStream));
        }

        @Override
        public void data(ByteBuf data, boolean endStream) {
            add(new DefaultHttp2DataFrame(data, endStream));
        }

        private void add(Object frame) {
            if (held != null) {
                ctx.write(held, ctx.voidPromise());
            }
            held = frame;
        }

        void finish(ChannelPromise promise) {
            if (held != null) {
                ctx.write(held, promise);
                held = null;
            } else {
                promise.trySuccess();
            }
        }
    }
}
