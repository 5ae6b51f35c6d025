package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.dataplane.exchange.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseReaderTest {

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\nT: 1\r\n\r\n";

    /** An upstream connection's request encoder and response reader, as the proxy sets them up. */
    private static EmbeddedChannel connection() {
        ResponseReader reader = new ResponseReader();
        return new EmbeddedChannel(reader.requestEncoder(), reader);
    }

    /** A connection that has sent a {@code method} request. */
    private static EmbeddedChannel sent(HttpMethod method) {
        EmbeddedChannel channel = connection();
        channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/"));
        for (Object sent; (sent = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(sent);
        }
        return channel;
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    /** What the reader handed on, described: "head 200", body text, "end" + the end's bytes; all released. */
    private static List<String> parts(EmbeddedChannel channel) {
        List<String> parts = new ArrayList<>();
        for (Object part; (part = channel.readInbound()) != null; ) {
            try {
                if (part instanceof ResponseHead head) {
                    parts.add("head " + head.status());
                } else if (part instanceof ResponseReader.End end) {
                    parts.add("end " + end.content().toString(StandardCharsets.ISO_8859_1));
                } else {
                    parts.add(((ByteBuf) part).toString(StandardCharsets.ISO_8859_1));
                }
            } finally {
                ReferenceCountUtil.release(part);
            }
        }
        return parts;
    }

    @Test
    void aResponseCutAnywhereComesOutAsHeadBodyAndEndWithItsBytesIntact() {
        int headLength = CHUNKED.indexOf("\r\n\r\n") + 4;
        for (int cut = 1; cut < CHUNKED.length(); cut++) {
            EmbeddedChannel channel = sent(HttpMethod.GET);
            channel.writeInbound(bytes(CHUNKED.substring(0, cut)));
            channel.writeInbound(bytes(CHUNKED.substring(cut)));
            List<String> parts = parts(channel);
            assertThat(parts.get(0)).as("cut at %d", cut).isEqualTo("head 200");
            assertThat(parts.get(parts.size() - 1)).startsWith("end ");
            String body = String.join("", parts.subList(1, parts.size())).replace("end ", "");
            assertThat(body).as("cut at %d", cut).isEqualTo(CHUNKED.substring(headLength));
            assertThat(channel.finish()).isFalse();
        }
    }

    @Test
    void interimHeadsComeFirstAndAnswersWithoutBodiesEndAtOnce() {
        EmbeddedChannel get = sent(HttpMethod.GET);
        get.writeInbound(bytes("HTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        assertThat(parts(get)).containsExactly("head 103", "head 200", "end ok");
        EmbeddedChannel head = sent(HttpMethod.HEAD);
        head.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"));
        assertThat(parts(head)).containsExactly("head 200", "end ");
        EmbeddedChannel untilClose = sent(HttpMethod.GET);
        untilClose.writeInbound(bytes("HTTP/1.0 200 OK\r\n\r\nsome"));
        untilClose.close();
        assertThat(parts(untilClose)).containsExactly("head 200", "some", "end ");
    }

    @Test
    void bytesNobodyAskedForAreAnInvalidResponse() {
        EmbeddedChannel channel = connection();
        assertThatThrownBy(() -> channel.writeInbound(bytes("HTTP/1.1 200 OK\r\n\r\n")))
                .isInstanceOf(InvalidResponseException.class).hasMessage("sent 19 bytes when no response was due");
        EmbeddedChannel extra = sent(HttpMethod.GET);
        assertThatThrownBy(() -> extra.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy")))
                .isInstanceOf(InvalidResponseException.class).hasMessage("sent 1 byte when no response was due");
        parts(extra);
        EmbeddedChannel huge = sent(HttpMethod.GET);
        assertThatThrownBy(() -> huge.writeInbound(bytes("HTTP/1.1 200 OK\r\nX: " + "x".repeat(ResponseReader.MAX_HEAD))))
                .isInstanceOf(InvalidResponseException.class).hasMessage("a response head too large (over 64 KiB)");
    }

    @Test
    void whatFollowsA101GoesToTheHandlerThatReplacesTheReader() {
        EmbeddedChannel channel = sent(HttpMethod.GET);
        List<Object> tunnelled = new ArrayList<>();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ResponseHead head) {
                    head.release();
                    ctx.pipeline().remove(ResponseReader.class); // as Tunnel.join does, while the 101 is handled
                } else {
                    tunnelled.add(msg);
                }
            }
        });
        channel.writeInbound(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nframe-bytes"));
        assertThat(tunnelled).hasSize(1);
        ByteBuf first = (ByteBuf) tunnelled.get(0);
        assertThat(first.toString(StandardCharsets.ISO_8859_1)).isEqualTo("frame-bytes");
        first.release();
        assertThat(channel.finish()).isFalse();
    }
}
