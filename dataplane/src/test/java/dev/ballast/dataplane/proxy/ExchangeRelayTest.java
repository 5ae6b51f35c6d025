package dev.ballast.dataplane.proxy;

import static dev.ballast.dataplane.proxy.TestTraffic.bytes;
import static dev.ballast.dataplane.proxy.TestTraffic.last;
import static dev.ballast.dataplane.proxy.TestTraffic.part;
import static dev.ballast.dataplane.proxy.TestTraffic.request;
import static dev.ballast.dataplane.proxy.TestTraffic.sent;
import static dev.ballast.dataplane.proxy.TestTraffic.withExplicitReads;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.TestReplicas;
import dev.ballast.dataplane.exchange.CompressionPolicy;
import dev.ballast.dataplane.health.HealthChecks;
import dev.ballast.dataplane.tls.BackendTls;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ExchangeRelay} on a client connection built as {@link ClientPipeline} builds one, less the request decoder
 * (requests go in as decoded parts), with an upstream connection that is an {@code EmbeddedChannel} too: the real
 * upstream pipeline (request encoder, {@link ResponseReader}, server-timeout timer, {@link UpstreamHandler}), put in
 * the {@link UpstreamConnector}'s pool the way a finished exchange puts one there, so the relay leases it instead of
 * dialling. Both channels run on the test thread, as both sides of an exchange share an event loop. A log shows the
 * order of reads and flushes on either side.
 */
class ExchangeRelayTest {

    private static final String UPSTREAM = "127.0.0.1:9";
    private static final Duration SERVER_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLIENT_TIMEOUT = Duration.ofMillis(100);
    private static final Duration NEVER = Duration.ofMinutes(10);

    private final List<String> log = new ArrayList<>();
    private final HealthChecks health = new HealthChecks();
    private final ProxyContext context = TestProxyContext.of(TestReplicas.route("app", "/", 9), health,
            SERVER_TIMEOUT, CLIENT_TIMEOUT, new CompressionPolicy(List.of("gzip"), List.of()));
    private final EmbeddedChannel upstream = upstreamConnection();
    private final UpstreamConnector connector = new UpstreamConnector(upstream.eventLoop(), Duration.ofSeconds(1),
            BackendTls.context(Optional.empty()));
    private final EmbeddedChannel client = clientConnection();

    private EmbeddedChannel upstreamConnection() {
        ResponseReader reader = new ResponseReader();
        return withExplicitReads(new EmbeddedChannel(false, false, logging("upstream"), reader.requestEncoder(),
                reader, new IdleStateHandler(SERVER_TIMEOUT.toMillis(), 0, 0, TimeUnit.MILLISECONDS),
                new UpstreamHandler(null)));
    }

    private EmbeddedChannel clientConnection() {
        connector.release(UPSTREAM, upstream); // idle in the pool, as after an earlier exchange
        ClientTimeouts timeouts = new ClientTimeouts(NEVER, NEVER);
        RequestQueue queue = new RequestQueue(timeouts, NEVER, context.clientTimeout());
        RequestObserver observer = new RequestObserver(context, "192.0.2.7");
        return withExplicitReads(new EmbeddedChannel(false, false, logging("client"), new HttpResponseEncoder(),
                timeouts, queue, new RouteDispatcher(context, queue, observer,
                        new ClientConnection(8080, "192.0.2.7", false, false)),
                new ExchangeRelay(context, connector, queue, timeouts, observer, HttpResponseEncoder.class)));
    }

    /** Logs "{side} read" and "{side} flush" as they reach the socket. */
    private ChannelOutboundHandlerAdapter logging(String side) {
        return new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                log.add(side + " read");
                ctx.read();
            }

            @Override
            public void flush(ChannelHandlerContext ctx) {
                log.add(side + " flush");
                ctx.flush();
            }
        };
    }

    @AfterEach
    void finish() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        health.close();
    }

    private void get(String target, String... headers) {
        client.writeInbound(request(HttpMethod.GET, target, headers), LastHttpContent.EMPTY_LAST_CONTENT);
    }

    private void respond(String raw) {
        upstream.writeInbound(bytes(raw));
    }

    /**
     * A server timeout passes on the upstream's timer (it reads the loop's clock), run within a turn of its loop: a
     * close it makes reports channelInactive after it, as on a real loop, not midway as runScheduledPendingTasks would.
     */
    private void serverTimeoutPasses() {
        upstream.advanceTimeBy(SERVER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        upstream.flushInbound();
    }

    @Test
    void relaysTheRequestAndItsAnswerThenServesTheNextRequestOnThePooledConnection() {
        get("/a");
        assertThat(sent(upstream)).startsWith("GET /a HTTP/1.1\r\n").contains("X-Forwarded-For: 192.0.2.7\r\n");
        assertThat(log).as("the head and its end leave in one flush").containsOnlyOnce("upstream flush");
        log.clear();
        respond("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(sent(client)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok").doesNotContain("close");
        assertThat(log).as("what one upstream read brought leaves in one flush").containsOnlyOnce("client flush");

        get("/b");
        assertThat(sent(upstream)).as("the same connection, back from the pool").startsWith("GET /b HTTP/1.1\r\n");
        respond("HTTP/1.1 204 No Content\r\n\r\n");
        assertThat(sent(client)).startsWith("HTTP/1.1 204 No Content\r\n");
        assertThat(client.isOpen()).isTrue();
    }

    @ParameterizedTest(name = "draining: {0}")
    @ValueSource(booleans = {false, true})
    void theClientIsClosedAfterItsAnswerWhenItAskedOrTheProxyDrainsButTheUpstreamIsKept(boolean draining) {
        if (draining) {
            get("/a");
            client.pipeline().fireUserEventTriggered(ClientPipeline.DRAIN); // stopping, with this exchange under way
        } else {
            get("/a", "Connection", "close");
        }
        sent(upstream);
        respond("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(sent(client)).contains("Connection: close\r\n").endsWith("\r\n\r\nok");
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isTrue();
    }

    @Test
    void eachBodyPartIsReadFromTheClientOnlyOnceThePreviousOneWentUpstream() {
        client.writeInbound(request(HttpMethod.POST, "/upload", "Transfer-Encoding", "chunked"), part("ab"));
        assertThat(sent(upstream)).startsWith("POST /upload HTTP/1.1\r\n").endsWith("\r\n\r\n2\r\nab\r\n");
        assertThat(log).endsWith("upstream flush", "client read");
        client.writeInbound(last("c"));
        assertThat(sent(upstream)).isEqualTo("1\r\nc\r\n0\r\n\r\n");
        respond("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        assertThat(sent(client)).startsWith("HTTP/1.1 201 Created\r\n");
    }

    @Test
    void theUpstreamIsReadAgainOnlyOnceTheClientTookWhatItWasSent() {
        client.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        get("/large");
        sent(upstream);
        log.clear();
        String head = "HTTP/1.1 200 OK\r\nContent-Length: 8192\r\n\r\n";
        respond(head + "x".repeat(4096));
        assertThat(log).as("the body part overfilled the client connection")
                .containsExactly("upstream read", "client flush", "upstream read");
        respond("y".repeat(4096));
        assertThat(sent(client)).isEqualTo(head + "x".repeat(4096) + "y".repeat(4096));
    }

    @Test
    void aCompressibleAnswerIsGzippedOnItsWayForAClientThatAcceptsIt() {
        get("/page", "Accept-Encoding", "gzip");
        sent(upstream);
        String page = "<p>the same words again</p>\n".repeat(100);
        respond("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + page.length() + "\r\n\r\n" + page);
        String coded = sent(client);
        assertThat(coded).containsIgnoringCase("content-encoding: gzip\r\n").hasSizeLessThan(page.length() / 4);
        // read as a client would: the HTTP decoder, then the decompressor
        EmbeddedChannel reader = new EmbeddedChannel(new HttpResponseDecoder(), new HttpContentDecompressor(),
                new HttpObjectAggregator(1 << 16));
        reader.writeInbound(bytes(coded));
        FullHttpResponse decoded = reader.readInbound();
        assertThat(decoded.content().toString(StandardCharsets.UTF_8)).isEqualTo(page);
        decoded.release();
        assertThat(reader.finishAndReleaseAll()).isFalse();
    }

    @Test
    void anInvalidAnswerIs502AndClosesBothConnections() {
        get("/a");
        sent(upstream);
        respond("garbage\r\n\r\n");
        assertThat(sent(client)).startsWith("HTTP/1.1 502 Bad Gateway\r\n")
                .contains("route app: upstream " + UPSTREAM + " sent an invalid response");
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
    }

    @Test
    void anUpstreamClosingMidAnswerCutsTheClientOff() {
        get("/a");
        sent(upstream);
        respond("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
        assertThat(sent(client)).endsWith("\r\n\r\nhalf");
        upstream.close();
        assertThat(client.isOpen()).as("half an answer cannot be mended").isFalse();
        assertThat(sent(client)).isEmpty();
    }

    @Test
    void aClientThatStopsSendingItsBodyBeforeAnyAnswerGets408() throws InterruptedException {
        client.writeInbound(request(HttpMethod.POST, "/upload", "Content-Length", "10"), part("ab"));
        Thread.sleep(300); // the client timeout is 100 ms, read from System.nanoTime(): it passes for real
        client.runScheduledPendingTasks();
        assertThat(sent(client)).startsWith("HTTP/1.1 408 Request Timeout\r\n")
                .endsWith("route app: the client sent no more of its request within 100 ms\n");
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).as("it has half a request: never reused").isFalse();
    }

    @Test
    void aMalformedBodyIs400AndTheUpstreamNeverSeesItEnd() {
        client.writeInbound(request(HttpMethod.POST, "/upload", "Transfer-Encoding", "chunked"), part("ab"));
        LastHttpContent broken = new DefaultLastHttpContent();
        broken.setDecoderResult(DecoderResult.failure(new NumberFormatException("chunk size zz")));
        client.writeInbound(broken);
        assertThat(sent(upstream)).endsWith("2\r\nab\r\n").doesNotContain("0\r\n\r\n");
        assertThat(upstream.isOpen()).isFalse();
        assertThat(sent(client)).startsWith("HTTP/1.1 400 Bad Request\r\n")
                .contains("route app: malformed request body (chunk size zz)");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void theServerTimeoutCountsOnlyWhileTheUpstreamIsAwaited() {
        client.writeInbound(request(HttpMethod.POST, "/upload", "Content-Length", "3"), part("ab"));
        serverTimeoutPasses();
        assertThat(upstream.isOpen()).as("the client still owes body: not the upstream's fault").isTrue();
        assertThat(sent(client)).isEmpty();

        client.writeInbound(last("c")); // some body went: the request cannot be sent again, it is the upstream's
        serverTimeoutPasses();
        assertThat(sent(client)).startsWith("HTTP/1.1 504 Gateway Timeout\r\n")
                .contains("route app: upstream " + UPSTREAM + " did not answer within 30000 ms");
        assertThat(upstream.isOpen()).isFalse();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aSwitchingProtocolsAnswerJoinsBothConnectionsIntoATunnel() {
        get("/socket", "Connection", "Upgrade", "Upgrade", "websocket");
        assertThat(sent(upstream)).containsIgnoringCase("upgrade: websocket\r\n")
                .containsIgnoringCase("connection: upgrade\r\n");
        respond("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nhello");
        assertThat(sent(client)).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
                .as("bytes that came with the 101 go through the tunnel").endsWith("\r\n\r\nhello");
        assertThat(client.pipeline().get(ExchangeRelay.class)).as("no HTTP any more").isNull();
        client.writeInbound(bytes("ping"));
        assertThat(sent(upstream)).isEqualTo("ping");
        upstream.writeInbound(bytes("pong"));
        assertThat(sent(client)).isEqualTo("pong");
    }
}
