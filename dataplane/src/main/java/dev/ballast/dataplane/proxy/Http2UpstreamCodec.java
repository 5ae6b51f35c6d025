package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.dataplane.http2.Http2Forbidden;
import dev.ballast.dataplane.exchange.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.Map;

/**
 * Lets an exchange use an HTTP/2 stream to an upstream as it uses an HTTP/1.1 connection. Outbound, the request it
 * writes ({@link HttpRequest}, body parts, the last with any trailers) becomes HEADERS, DATA and trailers; a request
 * without a body ends the stream with its HEADERS. Inbound, the upstream's frames become what
 * {@link ResponseReader} gives for HTTP/1.1: a {@link ResponseHead} (interim ones first), the body as bytes and a
 * {@link ResponseReader.End} — chunked when the upstream gave no {@code content-length}, so that its trailers
 * (gRPC's status) travel on to the client. A reset from the upstream fails the exchange.
 */
final class Http2UpstreamCodec extends ChannelDuplexHandler {

    private static final byte[] CRLF = {'\r', '\n'};

    private final AsciiString scheme;
    /** A request head not written yet: it ends the stream itself if no body follows. */
    private Http2Headers heldHead;
    private boolean finalHeadSeen;
    private boolean chunked;

    /** @param scheme {@code http} (H2C) or {@code https} (H2) */
    Http2UpstreamCodec(String scheme) {
        this.scheme = AsciiString.of(scheme);
    }

    // ---------------------------------------------------------------------------------------- request out

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpRequest request) {
            heldHead = headers(request);
            ReferenceCountUtil.release(request);
            promise.trySuccess();
        } else if (msg instanceof LastHttpContent last) {
            boolean trailers = !last.trailingHeaders().isEmpty();
            if (heldHead != null && !last.content().isReadable() && !trailers) {
                last.release();
                writeHead(ctx, true, promise);
                return;
            }
            writeHead(ctx, false, ctx.voidPromise());
            if (!trailers) {
                ctx.write(new DefaultHttp2DataFrame(last.content(), true), promise);
                return;
            }
            if (last.content().isReadable()) {
                ctx.write(new DefaultHttp2DataFrame(last.content().retain(), false), ctx.voidPromise());
            }
            Http2Headers fields = new DefaultHttp2Headers();
            copy(last.trailingHeaders(), fields);
            last.release();
            ctx.write(new DefaultHttp2HeadersFrame(fields, true), promise);
        } else if (msg instanceof HttpContent part) {
            writeHead(ctx, false, ctx.voidPromise());
            ctx.write(new DefaultHttp2DataFrame(part.content(), false), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    /** A head held past the write's flush goes without the end of the stream: a body is on its way. */
    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeHead(ctx, false, ctx.voidPromise());
        ctx.flush();
    }

    private void writeHead(ChannelHandlerContext ctx, boolean endStream, ChannelPromise promise) {
        if (heldHead != null) {
            Http2Headers head = heldHead;
            heldHead = null;
            ctx.write(new DefaultHttp2HeadersFrame(head, endStream), promise);
        }
    }

    private Http2Headers headers(HttpRequest request) {
        HttpHeaders in = request.headers();
        Http2Headers out = new DefaultHttp2Headers().method(request.method().asciiName()).path(request.uri())
                .scheme(scheme);
        String host = in.get(HttpHeaderNames.HOST);
        if (host != null) {
            out.authority(host);
        }
        copy(in, out);
        String contentType = in.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType != null && contentType.startsWith("application/grpc")) {
            out.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS); // gRPC servers want it; hop-by-hop in HTTP/1.1
        }
        return out;
    }

    private static void copy(HttpHeaders in, Http2Headers out) {
        for (var fields = in.iteratorCharSequence(); fields.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> field = fields.next();
            AsciiString name = AsciiString.of(field.getKey()).toLowerCase();
            if (!Http2Forbidden.isConnectionSpecific(name)) {
                out.add(name, field.getValue());
            }
        }
    }

    // ---------------------------------------------------------------------------------------- response in

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame frame) {
                if (!finalHeadSeen) {
                    head(ctx, frame);
                } else {
                    ctx.fireChannelRead(new ResponseReader.End(trailers(ctx, frame.headers())));
                }
            } else if (msg instanceof Http2DataFrame data) {
                ByteBuf content = data.content().retain();
                ByteBuf body = chunked && content.isReadable() ? chunk(ctx, content) : content;
                if (data.isEndStream()) {
                    if (chunked) {
                        CompositeByteBuf last = ctx.alloc().compositeBuffer(2);
                        last.addComponent(true, body);
                        last.addComponent(true, ByteBufUtil.writeAscii(ctx.alloc(), "0\r\n\r\n"));
                        body = last;
                    }
                    ctx.fireChannelRead(new ResponseReader.End(body));
                } else {
                    ctx.fireChannelRead(body);
                }
            }
        } catch (InvalidResponseException e) {
            ctx.fireExceptionCaught(e);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void head(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
        Http2Headers fields = frame.headers();
        int status = fields.status() == null ? 0 : AsciiString.of(fields.status()).parseInt();
        boolean interim = status >= 100 && status < 200;
        boolean lengthKnown = fields.contains(HttpHeaderNames.CONTENT_LENGTH);
        chunked = !interim && !frame.isEndStream() && !lengthKnown;
        StringBuilder head = lines(new StringBuilder(256).append("HTTP/1.1 ").append(status).append(" \r\n"),
                fields);
        if (chunked) {
            head.append("transfer-encoding: chunked\r\n");
        } else if (!interim && frame.isEndStream() && !lengthKnown && status != 204 && status != 304) {
            head.append("content-length: 0\r\n");
        }
        head.append("\r\n");
        ByteBuf bytes = ByteBufUtil.writeUtf8(ctx.alloc(), head);
        try {
            ctx.fireChannelRead(ResponseHead.parse(bytes, 0, bytes.writerIndex()));
        } finally {
            bytes.release();
        }
        if (!interim) {
            finalHeadSeen = true;
            if (frame.isEndStream()) {
                ctx.fireChannelRead(ResponseReader.End.EMPTY);
            }
        }
    }

    /** A DATA frame's bytes as one chunk. */
    private static ByteBuf chunk(ChannelHandlerContext ctx, ByteBuf content) {
        CompositeByteBuf chunk = ctx.alloc().compositeBuffer(3);
        chunk.addComponent(true, ByteBufUtil.writeAscii(ctx.alloc(),
                Integer.toHexString(content.readableBytes()) + "\r\n"));
        chunk.addComponent(true, content);
        chunk.addComponent(true, ctx.alloc().buffer(2).writeBytes(CRLF));
        return chunk;
    }

    /** The end of a chunked body with the upstream's trailers (dropped when the body has a length: nowhere to go). */
    private ByteBuf trailers(ChannelHandlerContext ctx, Http2Headers fields) {
        if (!chunked) {
            return ctx.alloc().buffer(0);
        }
        return ByteBufUtil.writeUtf8(ctx.alloc(), lines(new StringBuilder("0\r\n"), fields).append("\r\n"));
    }

    /** Appends each field of {@code fields} but the pseudo-headers as an HTTP/1.1 header line. */
    private static StringBuilder lines(StringBuilder out, Http2Headers fields) {
        for (Map.Entry<CharSequence, CharSequence> field : fields) {
            if (field.getKey().length() > 0 && field.getKey().charAt(0) != ':') {
                out.append(field.getKey()).append(": ").append(field.getValue()).append("\r\n");
            }
        }
        return out;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof Http2ResetFrame reset) {
            ctx.fireExceptionCaught(new IOException("upstream reset the stream (HTTP/2 error " + reset.errorCode()
                    + ")"));
            return;
        }
        ctx.fireUserEventTriggered(event);
    }
}
