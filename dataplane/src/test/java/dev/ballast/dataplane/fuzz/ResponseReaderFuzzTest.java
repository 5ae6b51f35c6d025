package dev.ballast.dataplane.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.dataplane.exchange.ResponseHead;
import dev.ballast.schema.HeaderOperations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Whatever an upstream sends, the proxy's reading of responses on an upstream connection ({@code ResponseReader} with
 * its request encoder, as {@code UpstreamConnector} sets them up; {@link ResponseHead} and {@code ChunkedScanner}
 * under it) either hands each response on whole (head, body bytes, end) or refuses the bytes with an
 * {@link InvalidResponseException}: no other exception, every buffer released. However reads cut the bytes, it reads
 * the same responses (bytes read behind a response's end are refused, so with other cuts it may read more or fewer,
 * never other ones). Where both the reader and Netty's HTTP client codec accept a response, they agree on where it
 * ends: what the client is sent (the head as the proxy writes it for the client, then the body bytes as they came)
 * reads, with Netty's codec, as the very status and payload that Netty read from the upstream's bytes. Netty is no
 * reference for a response whose transfer codings do not end in {@code chunked} (it takes Content-Length, or
 * refuses): there RFC 9112 §6.3 is, the body ends with the close and the connection is not kept; nor does an HTTP/1.0
 * response with a transfer coding keep it (§6.1).
 *
 * <p>Input: byte 0 picks which of the (up to three) requests on the connection are HEAD (its low three bits), byte 1
 * how reads cut the bytes; the rest is what the upstream sends. A request goes as soon as the response before it
 * ended, as on a kept connection.
 */
class ResponseReaderFuzzTest {

    private static final int REQUESTS = 3;
    private static final Constructor<?> READER;
    private static final Method REQUEST_ENCODER;

    static {
        // The reader is package-private in proxy (as it should be); the fuzz targets live in a package of their own.
        try {
            Class<?> reader = Class.forName("dev.ballast.dataplane.proxy.ResponseReader");
            READER = reader.getDeclaredConstructor();
            READER.setAccessible(true);
            REQUEST_ENCODER = reader.getDeclaredMethod("requestEncoder");
            REQUEST_ENCODER.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TrackingAllocator allocator = new TrackingAllocator();

    @FuzzTest(maxDuration = "12s")
    void upstreamBytes(byte[] input) {
        if (input.length < 2) {
            return;
        }
        List<HttpMethod> methods = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            methods.add((input[0] >> i & 1) == 1 ? HttpMethod.HEAD : HttpMethod.GET);
        }
        byte[] upstream = Arrays.copyOfRange(input, 2, input.length);
        Reading whole = read(methods, upstream, new SplittableRandom(0), Integer.MAX_VALUE);
        Reading cut = read(methods, upstream, new SplittableRandom(input[1]), 16);
        // Bytes read behind a response's end are refused (sent before the next request could be), so a reading may
        // stop sooner or later with the cuts; where both read responses, they read the same ones.
        Reading shorter = whole.complete().size() <= cut.complete().size() ? whole : cut;
        Reading longer = shorter == whole ? cut : whole;
        assertThat(longer.complete().subList(0, shorter.complete().size())).as("read whole, and in small pieces")
                .usingRecursiveFieldByFieldElementComparator().isEqualTo(shorter.complete());
        if (shorter.complete().size() < longer.complete().size()) {
            assertThat(shorter.refused()).as("stopped sooner without refusing: %s", shorter).isTrue();
        }
        NettyResponses netty = NettyResponses.read(methods, upstream);
        Reading reading = longer;
        for (int i = 0; i < reading.complete().size(); i++) {
            Passed passed = reading.complete().get(i);
            if (!passed.codings().isEmpty() && !passed.http11()) {
                assertThat(passed.keepAlive()).as("kept after an HTTP/1.0 response with a transfer coding, whose"
                        + " framing is faulty (RFC 9112 §6.1): %s", passed).isFalse();
            }
            if (passed.lastCodingNotChunked()) {
                // RFC 9112 §6.3: the close ends the body, whatever Content-Length says (Netty's codec differs)
                assertThat(passed.endsWithClose() || passed.bodiless()).as("ends with the close: %s", passed)
                        .isTrue();
                assertThat(passed.keepAlive()).as("kept after a body the close ends: %s", passed).isFalse();
                if (!passed.chunkedBeforeTheEnd()) { // else Netty refuses it: no client to read it with
                    assertThat(passed.client(methods.get(i)).payload()).as("what the client reads of %s", passed)
                            .isEqualTo(passed.bodiless() ? new byte[0] : passed.body());
                }
                return; // the upstream connection closes after it: nothing follows
            }
            if (passed.chunkedBeforeTheEnd() || netty.switched() && i >= netty.complete().size()) {
                return; // chunked applied twice, which Netty refuses; or another protocol from here on
            }
            NettyResponses.Response client = passed.client(methods.get(i));
            if (i < netty.complete().size()) {
                NettyResponses.Response reference = netty.complete().get(i);
                assertThat(client.status()).as("status of response %d", i).isEqualTo(reference.status());
                assertThat(client.payload()).as("payload of response %d (%s)", i, passed)
                        .isEqualTo(reference.payload());
            } else {
                assertThat(netty.failed()).as("Netty still reading response %d that the reader found whole: %s", i,
                        passed).isTrue();
            }
        }
        if (!reading.refused() && !reading.switched() && netty.complete().size() > reading.complete().size()
                && reading.complete().size() < REQUESTS) {
            throw new AssertionError("the reader still reads response " + reading.complete().size()
                    + " that Netty found whole");
        }
    }

    /**
     * How the reader read the bytes.
     *
     * @param complete the final responses handed on whole (head, body, end), in order
     * @param refused the reader refused what followed them
     * @param switched a 101 came after them
     */
    record Reading(List<Passed> complete, boolean refused, boolean switched) {
    }

    /**
     * A response the reader handed on whole, as it goes to the client.
     *
     * @param http11 whether its status line says HTTP/1.1 (else HTTP/1.0)
     * @param bodiless whether it has no body (an answer to HEAD, a 204, a 304, a zero length)
     * @param clientHead the head the proxy writes for the client ({@link ResponseHead#encode})
     * @param body the body bytes as they came (chunked framing included)
     * @param endsWithClose whether only the upstream's close ended it (the client connection closes too)
     * @param codings its transfer codings, lower case, in order
     */
    record Passed(int status, boolean http11, boolean keepAlive, boolean bodiless, String clientHead, byte[] body,
                  boolean endsWithClose, List<String> codings) {

        /** Whether it has transfer codings, the last of which is not {@code chunked}. */
        boolean lastCodingNotChunked() {
            return !codings.isEmpty() && !codings.get(codings.size() - 1).equals("chunked");
        }

        /** Whether {@code chunked} comes before the last transfer coding: Netty refuses such a response. */
        boolean chunkedBeforeTheEnd() {
            int chunked = codings.indexOf("chunked");
            return chunked >= 0 && chunked < codings.size() - 1;
        }

        /** The response as a client reads the bytes the proxy sends it, with Netty's codec. */
        NettyResponses.Response client(HttpMethod method) {
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            sent.writeBytes(clientHead.getBytes(StandardCharsets.ISO_8859_1));
            sent.writeBytes(body);
            NettyResponses read = NettyResponses.read(List.of(method), sent.toByteArray());
            assertThat(read.failed()).as("the client refuses what it is sent for %s", this).isFalse();
            assertThat(read.complete()).as("what the client reads of %s", this).hasSize(1);
            return read.complete().get(0);
        }

        @Override
        public String toString() {
            return "status " + status + ", codings " + codings + ", head for the client "
                    + clientHead.replace("\r\n", "|") + ", " + body.length + " body bytes";
        }
    }

    private Reading read(List<HttpMethod> methods, byte[] bytes, SplittableRandom cuts, int maxRead) {
        Collector collector = new Collector(methods);
        EmbeddedChannel connection = new EmbeddedChannel();
        connection.config().setAllocator(allocator);
        List<ByteBuf> sent = new ArrayList<>();
        boolean refused = false;
        try {
            Object reader = READER.newInstance();
            connection.pipeline().addLast((ChannelHandler) REQUEST_ENCODER.invoke(reader), (ChannelHandler) reader,
                    collector);
            connection.writeOutbound(request(methods.get(0)));
            for (int from = 0; from < bytes.length && !refused; ) {
                int n = Math.min(bytes.length - from, maxRead == Integer.MAX_VALUE ? maxRead
                        : 1 + cuts.nextInt(maxRead));
                ByteBuf read = Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, from, from + n));
                sent.add(read);
                from += n;
                refused = refuses(() -> connection.writeInbound(read));
            }
            if (!refused) {
                refused = refuses(() -> { // the upstream's close ends a body that lasts until it
                    connection.close();
                    connection.checkException();
                });
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        } finally {
            connection.finishAndReleaseAll();
            collector.releaseAll();
            assertThat(sent).as("reads not released").allMatch(b -> b.refCnt() == 0);
            assertThat(allocator.unreleased()).as("buffers allocated and not released").isZero();
        }
        return new Reading(collector.complete, refused, collector.switched);
    }

    private static boolean refuses(Runnable read) {
        try {
            read.run();
            return false;
        } catch (InvalidResponseException e) {
            return true;
        }
    }

    private static DefaultFullHttpRequest request(HttpMethod method) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/");
    }

    /**
     * Last on the upstream connection, in the place of the proxy's upstream handler: takes the reader's parts,
     * keeps what the client would be sent, and writes the next request as soon as a response ended.
     */
    private final class Collector extends ChannelInboundHandlerAdapter {

        private final List<HttpMethod> methods;
        private final List<Passed> complete = new ArrayList<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private ResponseHead head;
        private String clientHead;
        private boolean switched;

        Collector(List<HttpMethod> methods) {
            this.methods = methods;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                assertThat(switched).as("parts after a 101").isFalse();
                if (msg instanceof ResponseHead response) {
                    headRead(response);
                } else if (msg instanceof ByteBufHolder end) {
                    assertThat(head).as("an end without a head").isNotNull();
                    bodyRead(end.content());
                    ended(ctx);
                } else {
                    assertThat(head).as("body bytes without a head").isNotNull();
                    bodyRead((ByteBuf) msg);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void headRead(ResponseHead response) {
            assertThat(head).as("a head before the response under way ended").isNull();
            if (response.status() == 101) {
                switched = true;
                return;
            }
            ByteBuf forClient = response.interim() ? response.encodeInterim(allocator)
                    : response.encode(allocator, HeaderOperations.NONE,
                    !response.endsWithClose(HttpMethod.HEAD.equals(methods.get(complete.size()))));
            try {
                if (!response.interim()) {
                    response.retain();
                    head = response;
                    clientHead = forClient.toString(StandardCharsets.ISO_8859_1);
                    body.reset();
                }
            } finally {
                forClient.release();
            }
        }

        private void bodyRead(ByteBuf bytes) {
            body.writeBytes(ByteBufUtil.getBytes(bytes));
        }

        private void ended(ChannelHandlerContext ctx) {
            List<String> codings = new ArrayList<>();
            for (String value : head.values(HttpHeaderNames.TRANSFER_ENCODING)) {
                for (String coding : value.split(",")) {
                    if (!coding.isBlank()) {
                        codings.add(coding.trim().toLowerCase(Locale.ROOT));
                    }
                }
            }
            boolean headRequest = HttpMethod.HEAD.equals(methods.get(complete.size()));
            complete.add(new Passed(head.status(), head.http11(), head.keepAlive(), !head.hasBody(headRequest),
                    clientHead, body.toByteArray(), head.endsWithClose(headRequest), codings));
            head.release();
            head = null;
            if (complete.size() < methods.size()) {
                ctx.channel().writeAndFlush(request(methods.get(complete.size())));
            }
        }

        void releaseAll() {
            if (head != null) {
                head.release();
                head = null;
            }
        }
    }
}
