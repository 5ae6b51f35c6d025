package dev.ballast.dataplane.proxy;

import static dev.ballast.dataplane.proxy.TestTraffic.bytes;
import static dev.ballast.dataplane.proxy.TestTraffic.last;
import static dev.ballast.dataplane.proxy.TestTraffic.part;
import static dev.ballast.dataplane.proxy.TestTraffic.request;
import static dev.ballast.dataplane.proxy.TestTraffic.withExplicitReads;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestQueue} between the real {@link ClientTimeouts} (which it drives) and a {@link Recorder} standing for
 * the handlers that answer. Reads are explicit, as on a real client connection: a handler at the head counts them.
 */
class RequestQueueTest {

    private static final Duration NEVER = Duration.ofMinutes(10);

    private Recorder recorder;
    private int reads;
    private RequestQueue queue;
    private EmbeddedChannel channel;

    /**
     * A client connection as {@link ClientPipeline} makes it: a first request awaited {@code firstRequest}, the next
     * ones {@code keepAlive}; a client dropping a body may stall {@code discard}.
     */
    private void connect(Duration firstRequest, Duration keepAlive, Duration discard) {
        if (channel != null) {
            finish(); // a test's earlier connection
        }
        ClientTimeouts timeouts = new ClientTimeouts(firstRequest, keepAlive);
        queue = new RequestQueue(timeouts, keepAlive, discard);
        recorder = new Recorder();
        reads = 0;
        channel = withExplicitReads(new EmbeddedChannel(false, false, new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads++;
                ctx.read();
            }
        }, timeouts, queue, recorder));
    }

    private void connect() {
        connect(NEVER, NEVER, NEVER);
    }

    @AfterEach
    void finish() {
        recorder.take();
        channel.finishAndReleaseAll();
    }

    private static <T extends HttpContent> T malformed(T part) {
        part.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad chunk size")));
        return part;
    }

    @Test
    void asksForTheFirstReadWhenTheConnectionOpens() {
        connect();
        assertThat(reads).isEqualTo(1);
    }

    @Test
    void passesARequestAndItsBodyOnPartByPart() {
        connect();
        channel.writeInbound(request(HttpMethod.POST, "/upload"), part("ab"));
        channel.writeInbound(last("c"));
        assertThat(recorder.take()).containsExactly("POST /upload", "part ab", "last c");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void holdsAPipelinedRequestUntilTheAnswerIsDoneThenHandsItOnWithoutARead() {
        connect();
        channel.writeInbound(request(HttpMethod.GET, "/a"), last(""), request(HttpMethod.POST, "/b"));
        assertThat(recorder.take()).containsExactly("GET /a", "last");
        queue.done();
        assertThat(recorder.take()).containsExactly("POST /b");
        assertThat(reads).as("what was read already needs no read").isEqualTo(1);
        channel.writeInbound(last("body"));
        assertThat(recorder.take()).containsExactly("last body");
        queue.done();
        assertThat(reads).as("nothing waits any more: the next request is read").isEqualTo(2);
    }

    @Test
    void handsOnAWholePipelinedRequestWithItsBody() {
        connect();
        channel.writeInbound(request(HttpMethod.GET, "/a"), last(""),
                request(HttpMethod.POST, "/b"), part("x"), last("y"));
        assertThat(recorder.take()).containsExactly("GET /a", "last");
        queue.done();
        assertThat(recorder.take()).containsExactly("POST /b", "part x", "last y");
    }

    @Test
    void dropsTheRestOfABodyAnsweredEarlyThenTakesTheNextRequest() {
        connect();
        channel.writeInbound(request(HttpMethod.POST, "/upload"), part("first"));
        queue.done(); // answered before the whole body came (a refusal, or an upstream that answered early)
        HttpContent dropped = part("more");
        LastHttpContent droppedEnd = last("end");
        channel.writeInbound(dropped, droppedEnd, request(HttpMethod.GET, "/next"), last(""));
        assertThat(recorder.take()).containsExactly("POST /upload", "part first", "GET /next", "last");
        assertThat(dropped.refCnt()).as("released here").isZero();
        assertThat(droppedEnd.refCnt()).isZero();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void dropsAStrayBodyPartButClosesOnAMalformedOne() {
        connect();
        HttpContent stray = part("nobody's");
        channel.writeInbound(stray);
        assertThat(stray.refCnt()).isZero();
        assertThat(channel.isOpen()).as("a stray part is harmless").isTrue();
        channel.writeInbound(malformed(part("?")));
        assertThat(channel.isOpen()).as("where the next request starts is unknown").isFalse();
        assertThat(recorder.take()).isEmpty();
    }

    @Test
    void closesWhenABodyBeingDroppedTurnsOutMalformed() {
        connect();
        channel.writeInbound(request(HttpMethod.POST, "/upload"));
        queue.done();
        channel.writeInbound(malformed(last("")));
        assertThat(channel.isOpen()).isFalse();
        assertThat(recorder.take()).containsExactly("POST /upload");
    }

    @Test
    void passesOnAMalformedPartOfTheBodyUnderWay() {
        connect();
        channel.writeInbound(request(HttpMethod.POST, "/upload"), malformed(last("")));
        assertThat(recorder.take()).as("whoever relays the body must know it did not end")
                .containsExactly("POST /upload", "malformed");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void releasesWhatIsNotHttp() {
        connect();
        ByteBuf raw = bytes("raw");
        channel.writeInbound(raw);
        assertThat(raw.refCnt()).isZero();
        assertThat(recorder.take()).isEmpty();
    }

    @Test
    void aDrainClosesAnIdleConnectionAtOnceAndABusyOneWhenItsAnswerIsDone() {
        connect();
        channel.pipeline().fireUserEventTriggered(ClientPipeline.DRAIN);
        assertThat(channel.isOpen()).as("idle").isFalse();

        connect();
        channel.writeInbound(request(HttpMethod.GET, "/a"), last(""));
        channel.pipeline().fireUserEventTriggered(ClientPipeline.DRAIN);
        assertThat(channel.isOpen()).as("answering").isTrue();
        assertThat(recorder.events).as("the handlers after it hear of the drain").containsExactly(ClientPipeline.DRAIN);
        queue.done();
        assertThat(channel.isOpen()).as("answered").isFalse();
    }

    @Test
    void aClientStallingWhileItsBodyIsDroppedIsClosedHere() {
        connect();
        channel.writeInbound(request(HttpMethod.GET, "/a"), last(""));
        channel.pipeline().fireUserEventTriggered(ClientTimeouts.CLIENT_STALLED);
        assertThat(recorder.events).as("an exchange under way: its relay's to end")
                .containsExactly(ClientTimeouts.CLIENT_STALLED);
        assertThat(channel.isOpen()).isTrue();
        recorder.events.clear();

        channel.writeInbound(request(HttpMethod.POST, "/b"));
        queue.done(); // the answer to /a; /b is under way
        queue.done(); // /b answered before its body came: dropping it
        channel.pipeline().fireUserEventTriggered(ClientTimeouts.CLIENT_STALLED);
        assertThat(recorder.events).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void theClientTimeoutBoundsHowLongADroppedBodyMayStall() throws InterruptedException {
        connect(NEVER, NEVER, Duration.ofMillis(200));
        channel.writeInbound(request(HttpMethod.POST, "/upload"));
        queue.done();
        Thread.sleep(500); // the real ClientTimeouts reads System.nanoTime(): time passes for real
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void theNextRequestIsAwaitedForTheKeepAliveTimeout() throws InterruptedException {
        Duration keepAlive = Duration.ofMillis(200);
        connect(keepAlive, keepAlive, NEVER); // see ClientTimeoutsTest for a first-request timeout longer than it
        channel.writeInbound(request(HttpMethod.GET, "/a"), last(""));
        queue.done();
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        Thread.sleep(500);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void releasesWhatWaitsWhenTheConnectionClosesOrBecomesATunnel() {
        connect();
        HttpContent waitingOnClose = part("pipelined");
        channel.writeInbound(request(HttpMethod.GET, "/a"), last(""),
                request(HttpMethod.POST, "/b"), waitingOnClose);
        channel.close();
        assertThat(waitingOnClose.refCnt()).isZero();

        connect();
        HttpContent waitingOnUpgrade = part("after the upgrade");
        channel.writeInbound(request(HttpMethod.GET, "/ws"), last(""), waitingOnUpgrade);
        channel.pipeline().remove(queue); // as Tunnel.join does
        assertThat(waitingOnUpgrade.refCnt()).isZero();
    }
}
