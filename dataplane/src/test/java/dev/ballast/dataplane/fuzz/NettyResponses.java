package dev.ballast.dataplane.fuzz;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * How Netty's HTTP client codec reads responses to requests of the given methods from some bytes, the connection
 * closed after them: the reference the proxy's own reading is held against. Final responses only (1xx are skipped);
 * a response counts once its last part came, as long as nothing of it failed to decode.
 *
 * @param complete the final responses read whole, in order
 * @param failed whether the codec refused what followed them (else it waits for more, or there was nothing)
 * @param switched whether a 101 came after them (what follows is another protocol)
 */
record NettyResponses(List<Response> complete, boolean failed, boolean switched) {

    /** A response as a client sees it: its status and its payload (the body without its chunked framing). */
    record Response(int status, byte[] payload) {
    }

    static NettyResponses read(List<HttpMethod> methods, byte[] bytes) {
        EmbeddedChannel client = new EmbeddedChannel(new HttpClientCodec(64 * 1024, 64 * 1024, 8192));
        List<Response> complete = new ArrayList<>();
        try {
            for (HttpMethod method : methods) {
                client.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/"));
            }
            client.releaseOutbound();
            client.writeInbound(Unpooled.wrappedBuffer(bytes));
            client.finish();
            Integer status = null;
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            for (Object part; (part = client.readInbound()) != null; ) {
                try {
                    if (((HttpObject) part).decoderResult().isFailure()) {
                        return new NettyResponses(complete, true, false);
                    }
                    if (part instanceof HttpResponse response) {
                        int code = response.status().code();
                        if (code == 101) {
                            return new NettyResponses(complete, false, true);
                        }
                        status = code < 200 ? null : code;
                        payload.reset();
                    }
                    if (part instanceof HttpContent content && status != null) {
                        payload.writeBytes(ByteBufUtil.getBytes(content.content()));
                        if (part instanceof LastHttpContent) {
                            complete.add(new Response(status, payload.toByteArray()));
                            status = null;
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(part);
                }
            }
            return new NettyResponses(complete, false, false);
        } finally {
            client.finishAndReleaseAll();
        }
    }
}
