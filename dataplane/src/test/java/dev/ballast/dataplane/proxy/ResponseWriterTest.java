package dev.ballast.dataplane.proxy;

import static dev.ballast.dataplane.proxy.TestTraffic.bytes;
import static dev.ballast.dataplane.proxy.TestTraffic.fullBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ResponseWriter} on a client connection with the real response encoder it writes past: a handler at the
 * head of the pipeline logs what leaves for the socket ("write ...", "flush"), one after the encoder logs anything
 * that would have gone through the encoder.
 */
class ResponseWriterTest {

    private static final String HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";

    private final List<String> wire = new ArrayList<>();
    private final List<Object> throughTheEncoder = new ArrayList<>();
    private final EmbeddedChannel client = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            wire.add("write " + ((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
            ctx.write(msg, promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            wire.add("flush");
            ctx.flush();
        }
    }, new HttpResponseEncoder(), new ChannelOutboundHandlerAdapter() {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            throughTheEncoder.add(msg);
            ctx.write(msg, promise);
        }
    });
    private final ResponseWriter writer = new ResponseWriter(client.pipeline().context(HttpResponseEncoder.class));

    @AfterEach
    void finish() {
        client.finishAndReleaseAll(); // what the tests flushed
        assertThat(throughTheEncoder).as("upstream responses are bytes already: the encoder never sees them").isEmpty();
    }

    /** A response head as the proxy encodes one: in a buffer with room to spare. */
    private static ByteBuf roomyHead(String text) {
        return bytes(text).ensureWritable(256);
    }

    @Test
    void aSmallResponseLeavesInOneBufferAndOneFlushWhenTheUpstreamReadCompletes() {
        writer.head(roomyHead(HEAD));
        ByteBuf body = bytes("hello");
        writer.bytes(body);
        assertThat(wire).as("held until the upstream read completes").isEmpty();
        assertThat(body.refCnt()).as("copied into the head, released").isZero();
        writer.send();
        assertThat(wire).containsExactly("write " + HEAD + "hello", "flush");
    }

    @Test
    void bytesThatDoNotFitTheHeadFollowItAndLeaveInTheSameFlush() {
        writer.head(fullBytes(HEAD)); // no room left in it
        writer.bytes(bytes("hello"));
        writer.bytes(bytes(" again"));
        assertThat(wire).as("written in order, not flushed yet").containsExactly("write " + HEAD, "write hello",
                "write  again");
        writer.send();
        assertThat(wire).endsWith("flush").filteredOn("flush"::equals).hasSize(1);
    }

    @Test
    void anInterimHeadGoesBeforeTheFinalOne() {
        writer.head(roomyHead("HTTP/1.1 103 Early Hints\r\n\r\n"));
        writer.head(roomyHead(HEAD));
        writer.send();
        assertThat(wire).containsExactly("write HTTP/1.1 103 Early Hints\r\n\r\n", "write " + HEAD, "flush");
    }

    @Test
    void nothingWrittenIsNothingFlushed() {
        ByteBuf empty = bytes("");
        writer.bytes(empty);
        writer.send();
        assertThat(empty.refCnt()).as("released, not written").isZero();
        assertThat(wire).isEmpty();
    }

    @Test
    void sendNowWritesWhatIsPendingThenFlushesOnce() {
        writer.head(roomyHead("HTTP/1.1 100 Continue\r\n\r\n"));
        writer.sendNow(bytes("HTTP/1.1 101 Switching Protocols\r\n\r\n"));
        writer.send(); // nothing left to flush
        assertThat(wire).containsExactly("write HTTP/1.1 100 Continue\r\n\r\n",
                "write HTTP/1.1 101 Switching Protocols\r\n\r\n", "flush");
    }

    @Test
    void writeUnsentWritesTheHeadWithoutFlushingSoTheProxysOwnAnswerFollowsIt() {
        writer.head(roomyHead("HTTP/1.1 100 Continue\r\n\r\n"));
        writer.writeUnsent();
        assertThat(wire).containsExactly("write HTTP/1.1 100 Continue\r\n\r\n");
        writer.send();
        assertThat(wire).containsExactly("write HTTP/1.1 100 Continue\r\n\r\n", "flush");
    }

    @Test
    void anUnsentHeadThatWillNotBeSentIsReleasedAndNeverLeaves() {
        ByteBuf head = roomyHead(HEAD);
        writer.head(head);
        writer.dropUnsent();
        assertThat(head.refCnt()).isZero();
        writer.send();
        writer.dropUnsent(); // again, with nothing unsent: nothing happens
        assertThat(wire).isEmpty();
    }
}
