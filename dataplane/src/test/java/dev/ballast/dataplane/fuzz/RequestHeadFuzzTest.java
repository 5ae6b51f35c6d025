package dev.ballast.dataplane.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.dataplane.access.AccessPolicy;
import dev.ballast.dataplane.access.BasicAuth;
import dev.ballast.dataplane.exchange.Framing;
import dev.ballast.dataplane.health.HealthChecks;
import dev.ballast.dataplane.http2.Http2Server;
import dev.ballast.dataplane.limits.Admission;
import dev.ballast.dataplane.proxy.ClientPipeline;
import dev.ballast.dataplane.proxy.ErrorPages;
import dev.ballast.dataplane.proxy.ProxyContext;
import dev.ballast.dataplane.proxy.TcpConnections;
import dev.ballast.dataplane.proxy.TcpProxy;
import dev.ballast.dataplane.proxy.Upstreams;
import dev.ballast.dataplane.routing.RoutingTable;
import dev.ballast.dataplane.telemetry.AccessLog;
import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.dataplane.telemetry.RequestTracing;
import dev.ballast.dataplane.tls.BackendTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whatever bytes a client sends, the real client side of a plain HTTP listener ({@link ClientPipeline#install} on an
 * embedded channel: PROXY protocol and preface detection, Netty's request decoder as the pipeline configures it, the
 * expect-continue handler, the request queue, the route dispatcher with its framing checks) lets no exception escape,
 * releases every buffer, and answers with well-formed HTTP responses, one per request read, none after one that
 * closes. Every route leads to a service without endpoints, so a request the proxy would forward is answered 503 by
 * its route: that 503 is how this test sees "forwarded". A request whose framing is ambiguous (Content-Length with
 * Transfer-Encoding, differing or malformed Content-Lengths, a transfer coding that does not end in a single chunked,
 * a framing header obfuscated with whitespace or control characters) is never forwarded: it is refused with a 4xx,
 * and nothing after it is answered. The bytes go once in one read and once a byte (or a few) at a time: the answers
 * must not depend on how reads cut them.
 */
class RequestHeadFuzzTest {

    /** As the replica's default {@code maxHeaderSize}: the decoder of the pipeline and the reference agree. */
    private static final int MAX_HEADER_SIZE = 16 * 1024;
    private static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 8080);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);
    private static final String ROUTES = """
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: nowhere }
            spec: { service: nothing-running, rules: [{ paths: [/], port: 80 }] }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: guarded }
            spec:
              service: nothing-running
              rules: [{ paths: [/private/], port: 80, methods: { deny: [DELETE] },
                        auth: { users: [{ name: ops, password: pw }] } }]
            """;
    /** The answer of a route without endpoints: the request got past every check, it would be forwarded. */
    private static final int FORWARDED = 503;
    private static final byte[] PROXY_V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROXY_V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final Duration NEVER = Duration.ofMinutes(10);
    private static final ProxyContext CONTEXT = new ProxyContext(
            new AtomicReference<>(RoutingTable.compile(TestReplicas.routes(ROUTES))),
            new Upstreams(new HealthChecks()), new AccessPolicy(new BasicAuth()), Duration.ofSeconds(1), NEVER, NEVER,
            NEVER, NEVER, NEVER, new DataplaneMetrics(MeterProvider.noop().get("fuzz"), () -> 0, List::of, () -> null,
                    List::of), new AccessLog(false),
            new RequestTracing(TracerProvider.noop().get("fuzz"), TextMapPropagator.noop(), false), null,
            ErrorPages.NONE, BackendTls.context(Optional.empty()), Admission.of(DataplaneConfig.Limits.DEFAULT));

    private final TrackingAllocator allocator = new TrackingAllocator();

    /**
     * The pipeline of a listener, made anew for each connection: it keeps an upstream connector per event loop, and
     * each embedded channel has a loop of its own.
     */
    private static ClientPipeline pipeline() {
        return new ClientPipeline(CONTEXT, MAX_HEADER_SIZE, List.of(), new TcpProxy(CONTEXT, new TcpConnections()),
                new Http2Server.Limits(100, MAX_HEADER_SIZE, NEVER, NEVER));
    }

    @FuzzTest(maxDuration = "12s")
    void clientBytes(byte[] input) {
        Connection whole = serve(input, input.length);
        Connection cut = serve(input, input.length <= 4096 ? 1 : 61);
        assertThat(cut.output()).as("the answers, the bytes cut into small reads")
                .isEqualTo(whole.output());
        if (startsLike(input, PREFACE)) {
            return; // HTTP/2 by prior knowledge (or not decided yet): not HTTP/1.1 answers to check
        }
        if (startsLike(input, PROXY_V1) || startsLike(input, PROXY_V2)) {
            // a PROXY protocol header from a client that is not a trusted proxy: refused, nothing read after it
            assertThat(ProxyAnswers.parse(whole.output(), List.of(false)).finals())
                    .extracting(ProxyAnswers.Answer::status).isSubsetOf(400);
            return;
        }
        List<Request> requests = Request.decode(input);
        ProxyAnswers answers = ProxyAnswers.parse(whole.output(), requests.stream().map(Request::head).toList());
        if (!answers.switched()) { // after a 101, HTTP/2: neither the parts nor the close are this test's
            assertThat(whole.unhandled()).as("parts of requests that no handler took").isEmpty();
            assertThat(cut.open()).as("the connection open, the bytes cut into small reads").isEqualTo(whole.open());
        }
        if (!answers.finals().isEmpty() && obfuscatedFraming(input)) {
            assertThat(answers.finals().get(0).status()).as("the answer to a request with obfuscated framing headers")
                    .isNotEqualTo(FORWARDED);
        }
        for (int i = 0; i < answers.finals().size(); i++) {
            ProxyAnswers.Answer answer = answers.finals().get(i);
            Request request = requests.get(i);
            if (request.unreadable() || request.ambiguous()) {
                assertThat(answer.status()).as("the answer to request %d, %s", i, request).isBetween(400, 499);
                assertThat(answers.finals()).as("answers after one to %s", request).hasSize(i + 1);
            }
            if (answer.status() == FORWARDED) {
                assertThat(request.ambiguous()).as("request %d forwarded: %s", i, request).isFalse();
            }
        }
        boolean closedByAnswer = !answers.finals().isEmpty()
                && answers.finals().get(answers.finals().size() - 1).closes();
        if (closedByAnswer) {
            assertThat(whole.open()).as("open after an answer that says close").isFalse();
        } else if (!answers.switched() && whole.open()) {
            assertThat(answers.finals()).as("an answer to every request read, on a connection still open")
                    .hasSize(requests.size());
        }
    }

    /**
     * What the proxy wrote on a connection that received {@code input} in reads of {@code cut} bytes at most.
     *
     * @param unhandled the messages that went past the last handler (the kinds): on HTTP/1.1, parts of a request
     *     nobody took; on HTTP/2, frames the connection needs no handler for
     */
    private record Connection(byte[] output, boolean open, List<String> unhandled) {
    }

    private Connection serve(byte[] input, int cut) {
        AcceptedChannel channel = new AcceptedChannel(LISTENER, CLIENT, allocator);
        List<ByteBuf> sent = new ArrayList<>();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            pipeline().install(channel);
            channel.register();
            channel.freezeTime(); // no timer fires: a slow run (a garbage collection) must not change the answers
            for (int from = 0; from < input.length && channel.isOpen(); from += cut) {
                ByteBuf read = Unpooled.wrappedBuffer(Arrays.copyOfRange(input, from,
                        Math.min(input.length, from + cut)));
                sent.add(read);
                channel.writeInbound(read);
                drain(channel, output);
            }
            channel.runPendingTasks();
            drain(channel, output);
            List<String> unhandled = channel.inboundMessages().stream().map(m -> m.getClass().getSimpleName())
                    .toList();
            return new Connection(output.toByteArray(), channel.isOpen(), unhandled);
        } catch (Exception e) {
            throw new AssertionError("escaped the pipeline", e);
        } finally {
            channel.finishAndReleaseAll();
            assertThat(sent).as("reads not released").allMatch(b -> b.refCnt() == 0);
            assertThat(allocator.unreleased()).as("buffers the pipeline allocated and did not release").isZero();
        }
    }

    /** Takes what the pipeline wrote: the bytes of its answers (HTTP/2 frames after an upgrade, bytes as well). */
    private static void drain(EmbeddedChannel channel, ByteArrayOutputStream output) {
        for (Object written; (written = channel.readOutbound()) != null; ) {
            try {
                assertThat(written).as("what the pipeline wrote").isInstanceOf(ByteBuf.class);
                output.writeBytes(ByteBufUtil.getBytes((ByteBuf) written));
            } finally {
                ReferenceCountUtil.release(written);
            }
        }
    }

    /** Whether the input starts with the signature, or is as much of it as there is (undecided yet). */
    private static boolean startsLike(byte[] input, byte[] signature) {
        int n = Math.min(input.length, signature.length);
        return n > 0 && Arrays.equals(input, 0, n, signature, 0, n);
    }

    /**
     * Whether the first request's head, read from the bytes as they came (not as Netty decodes them), has a header
     * line whose name is {@code Content-Length} or {@code Transfer-Encoding} once whitespace and control characters
     * are taken out of it, but not as it stands, or has both: a line one parser may take for framing and another not.
     */
    static boolean obfuscatedFraming(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        int start = 0;
        while (start < text.length() && text.charAt(start) <= ' ') {
            start++; // as Netty's decoder skips them before a request line
        }
        int headEnd = text.indexOf("\n\r\n", start);
        int bareEnd = text.indexOf("\n\n", start);
        int end = headEnd < 0 ? bareEnd : bareEnd < 0 ? headEnd : Math.min(headEnd, bareEnd);
        String[] lines = text.substring(start, end < 0 ? text.length() : end).split("\n");
        boolean length = false;
        boolean coding = false;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon < 0 || line.startsWith(" ") || line.startsWith("\t")) {
                continue; // not a field line, or a continuation of the one before (its value, not a name)
            }
            String name = line.substring(0, colon);
            String bare = name.replaceAll("[\\x00-\\x20\\x7f]", "").toLowerCase(Locale.ROOT);
            boolean framing = bare.equals("content-length") || bare.equals("transfer-encoding");
            if (framing && !bare.equalsIgnoreCase(name)) {
                return true;
            }
            length |= bare.equals("content-length");
            coding |= bare.equals("transfer-encoding");
        }
        return length && coding;
    }

    /**
     * A request head as Netty's decoder, configured as the pipeline's (with its header store that refuses a second
     * Content-Length), reads it from the same bytes: what the proxy reads, to pair its answers with.
     *
     * @param unreadable the decoder failed on it (the proxy answers 4xx and closes; nothing after it is read)
     * @param ambiguous its framing is ambiguous, as the proxy's contract defines it
     */
    private record Request(String method, boolean head, boolean unreadable, boolean ambiguous) {

        static List<Request> decode(byte[] input) {
            EmbeddedChannel decoder = new EmbeddedChannel(new HttpRequestDecoder(new HttpDecoderConfig()
                    .setMaxInitialLineLength(8192).setMaxHeaderSize(MAX_HEADER_SIZE).setMaxChunkSize(8192)
                    .setHeadersFactory(Framing.REQUEST_HEADERS)));
            List<Request> requests = new ArrayList<>();
            try {
                // not finished: the client has not closed, and a head cut short at the close is not a request read
                decoder.writeInbound(Unpooled.wrappedBuffer(input));
                for (Object part; (part = decoder.readInbound()) != null; ) {
                    try {
                        if (part instanceof HttpRequest request
                                && (requests.isEmpty() || !requests.get(requests.size() - 1).unreadable())) {
                            requests.add(new Request(request.method().name(),
                                    HttpMethod.HEAD.equals(request.method()), request.decoderResult().isFailure(),
                                    ambiguous(request.headers())));
                        }
                    } finally {
                        ReferenceCountUtil.release(part);
                    }
                }
            } finally {
                decoder.finishAndReleaseAll();
            }
            return requests;
        }

        /**
         * Both framing headers, several differing or malformed lengths, or codings that do not end in one chunked:
         * decided here on their own, so that a change to {@code Framing} cannot make this test agree with it.
         */
        static boolean ambiguous(HttpHeaders headers) {
            List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
            List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (!lengths.isEmpty() && !codings.isEmpty()) {
                return true;
            }
            List<String> values = lengths.stream().flatMap(l -> Arrays.stream(l.split(",", -1)))
                    .map(String::trim).distinct().toList();
            if (values.size() > 1 || values.stream().anyMatch(v -> !v.matches("[0-9]+"))) {
                return true;
            }
            if (codings.isEmpty()) {
                return false;
            }
            List<String> all = Arrays.stream(String.join(",", codings).split(",", -1))
                    .map(c -> c.trim().toLowerCase(Locale.ROOT)).filter(c -> !c.isEmpty()).toList();
            return all.isEmpty() || !all.get(all.size() - 1).equals("chunked")
                    || all.indexOf("chunked") != all.size() - 1;
        }
    }
}
