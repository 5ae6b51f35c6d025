package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.exchange.ChunkedScanner;
import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.dataplane.exchange.ResponseHead;
import dev.ballast.dataplane.proxy.UpstreamResponseStreams.Mutation;
import dev.ballast.dataplane.proxy.UpstreamResponseStreams.Outcome;
import dev.ballast.dataplane.proxy.UpstreamResponseStreams.Stream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The byte-level {@link ResponseReader} frames upstream responses exactly as Netty's {@code HttpResponseDecoder}
 * does, run as {@code HttpClientCodec} runs it (told of each request's method, so that an answer to HEAD has no body):
 * the same bytes, cut into the same reads, go to both, and for every response both find the same interim heads, the
 * same head (the header lines other than the framing ones, which Netty rewrites), the same body (ours keeps the chunked
 * framing and trailers as they came; decoded by Netty byte by byte, they end exactly where ours ends and give Netty's
 * data and trailers), and the same end (before the close, or only with it). Ours hands on every byte it read, in order.
 * Several responses come on one connection as the proxy meets them: the next request is written when a response ends,
 * and its response read after that. Bytes read behind the end of a response, before the next request was written,
 * answer none: Netty (which pipelines) reads them as the next response; ours reads none of them, and closes.
 *
 * <p>A stream with a hostile change ({@link UpstreamResponseStreams.Mutation}) is framed the same up to the changed
 * response, which both refuse, or which ours refuses and Netty reads: each such difference is declared with its
 * reason, and the property fails if Netty stops reading it. Ours never reads what Netty refuses. Netty is configured as
 * the reader is bounded (size lines of 8 KiB, 64 KiB of headers) and reads a repeated {@code Content-Length} as one
 * (RFC 9110 §8.6), as the reader does.
 */
class ResponseFramingProperties {

    private static final String CHUNKED_HEAD = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

    private static HttpDecoderConfig nettyConfig() {
        return new HttpDecoderConfig().setMaxInitialLineLength(ChunkedScanner.MAX_SIZE_LINE)
                .setMaxHeaderSize(ResponseReader.MAX_HEAD).setAllowDuplicateContentLengths(true);
    }

    @Provide
    Arbitrary<Stream> streams() {
        return UpstreamResponseStreams.streams();
    }

    @Property(tries = 1000)
    void theReaderFramesResponsesAsNettyDoesOrRefusesWhatItCouldMisread(@ForAll("streams") Stream stream) {
        byte[] bytes = stream.bytes();
        boolean truncated = stream.truncateAt(bytes.length) >= 0;
        int length = truncated ? stream.truncateAt(bytes.length) : bytes.length;
        int unaskedAfter = stream.unaskedAfter();
        List<byte[]> reads = reads(bytes, length, stream);
        List<HttpMethod> methods = stream.sent().stream()
                .map(r -> r.head().headRequest() ? HttpMethod.HEAD : HttpMethod.GET).toList();
        Outcome expected = stream.expected();
        Statistics.collect(expected, truncated ? "truncated" : unaskedAfter >= 0 ? "unasked" : "whole");

        Framed ours = ours(reads, methods);
        Framed netty = netty(reads, methods);
        String story = "\nstream: " + printable(new String(bytes, 0, length, StandardCharsets.ISO_8859_1))
                + "\nmutation: " + stream.mutation() + " of response " + stream.target() + ", expected " + expected
                + "\nours:  " + ours + "\nnetty: " + netty;
        int target = stream.target();
        if (unaskedAfter >= 0) {
            // Netty pipelines, and reads them as the next response; the proxy writes the next request only once a
            // response has ended, so bytes read behind it answer nothing: the reader closes, and reads none of them
            assertThat(netty.completed()).as("netty read them all" + story).hasSize(methods.size());
            assertThat(ours.refusedAt).as("ours read no response sent unasked" + story).isEqualTo(unaskedAfter + 1);
            assertThat(ours.completed()).as(story).isEqualTo(netty.completed().subList(0, unaskedAfter + 1));
            return;
        }
        switch (expected) {
            case SAME -> {
                assertThat(ours.refusal).as("ours refused" + story).isNull();
                assertThat(netty.refusal).as("netty refused" + story).isNull();
                assertThat(ours.completed()).as(story).isEqualTo(netty.completed());
                if (!truncated) {
                    assertThat(ours.completed()).as("every response read" + story).hasSize(methods.size());
                }
                byte[] handedOn = ours.handedOn.toByteArray();
                assertThat(handedOn).as("ours hands on the bytes it read, in order" + story)
                        .isEqualTo(Arrays.copyOf(bytes, truncated ? handedOn.length : length));
            }
            case BOTH_REFUSE -> {
                assertThat(ours.refusedAt).as("ours refused the changed response" + story).isEqualTo(target);
                assertThat(netty.refusedAt).as("netty refused the changed response" + story).isEqualTo(target);
                assertThat(ours.completed()).as(story).isEqualTo(netty.completed().subList(0, target));
            }
            case OURS_REFUSES -> {
                assertThat(ours.refusedAt).as("ours refused the changed response" + story).isEqualTo(target);
                assertThat(netty.completed().size()).as("netty read the changed response, which ours refuses: "
                        + stream.why() + story).isGreaterThan(target);
                assertThat(ours.completed()).as(story).isEqualTo(netty.completed().subList(0, target));
            }
        }
    }

    /**
     * The first {@code length} bytes, cut into reads where the stream says (or one by one), and between responses: the
     * next comes once its request is written, except behind the one the stream sends the next unasked.
     */
    private static List<byte[]> reads(byte[] bytes, int length, Stream stream) {
        TreeSet<Integer> cuts = new TreeSet<>(List.of(0, length));
        if (stream.byteByByte()) {
            for (int i = 1; i < length; i++) {
                cuts.add(i);
            }
        }
        stream.cuts().forEach(c -> cuts.add(c % (length + 1)));
        List<Integer> ends = stream.ends();
        for (int i = 0; i < ends.size(); i++) {
            if (ends.get(i) < length) {
                cuts.add(ends.get(i));
            }
        }
        if (stream.unaskedAfter() >= 0) { // the end of that response and the start of the next in one read
            int end = ends.get(stream.unaskedAfter());
            cuts.removeIf(c -> c >= end - 1 && c <= end + 1);
            cuts.add(end - 1);
        }
        List<byte[]> reads = new ArrayList<>();
        for (Integer from = cuts.first(), to; (to = cuts.higher(from)) != null; from = to) {
            reads.add(Arrays.copyOfRange(bytes, from, to));
        }
        return reads;
    }

    // ------------------------------------------------------------------------------------------------ the readers

    /** What our reader made of the reads: the proxy's upstream pipeline, writing each request when it is due. */
    private static Framed ours(List<byte[]> reads, List<HttpMethod> methods) {
        ResponseReader reader = new ResponseReader();
        Framed framed = new Framed();
        Deque<HttpMethod> due = new ArrayDeque<>(methods);
        ChannelInboundHandlerAdapter relay = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof ResponseHead head) {
                        String text = head.content().toString(StandardCharsets.ISO_8859_1);
                        framed.handedOn.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
                        framed.head(head.status(), oursHeaderLines(text), head.interim());
                        boolean headRequest = methods.get(framed.exchanges.size() - 1) == HttpMethod.HEAD;
                        framed.current().decodeAsChunked = head.chunked() && head.hasBody(headRequest);
                    } else if (msg instanceof ResponseReader.End end) {
                        framed.body(end.content());
                        framed.end(List.of());
                        if (!due.isEmpty()) { // the proxy writes the next request once a response has ended
                            ctx.writeAndFlush(request(due.poll()));
                        }
                    } else {
                        framed.body((ByteBuf) msg);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        };
        EmbeddedChannel channel = new EmbeddedChannel(reader.requestEncoder(), reader, relay);
        channel.writeOutbound(request(due.poll()));
        try {
            for (byte[] read : reads) {
                if (!channel.isOpen()) {
                    framed.refuse("closed the connection");
                    break;
                }
                channel.writeInbound(Unpooled.wrappedBuffer(read));
            }
            framed.closing = true;
            channel.finish();
        } catch (InvalidResponseException e) {
            framed.refuse(e.getMessage());
        } finally {
            channel.finishAndReleaseAll();
        }
        for (Framed.Exchange exchange : framed.exchanges) {
            if (exchange.decodeAsChunked && exchange.complete) {
                decodeChunked(exchange);
            }
        }
        return framed;
    }

    /** What Netty made of the reads: an HTTP client codec that sent all the requests first. */
    private static Framed netty(List<byte[]> reads, List<HttpMethod> methods) {
        Framed framed = new Framed();
        EmbeddedChannel channel = new EmbeddedChannel(new HttpClientCodec(nettyConfig(), false, false));
        try {
            for (HttpMethod method : methods) {
                channel.writeOutbound(request(method));
            }
            for (byte[] read : reads) {
                channel.writeInbound(Unpooled.wrappedBuffer(read));
                take(channel, framed);
            }
            framed.closing = true;
            channel.finish();
            take(channel, framed);
        } finally {
            channel.finishAndReleaseAll();
        }
        return framed;
    }

    private static void take(EmbeddedChannel channel, Framed framed) {
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            try {
                if (framed.refusal != null) {
                    continue;
                }
                Throwable failure = ((HttpObject) msg).decoderResult().cause();
                if (failure != null) {
                    if (!(failure instanceof PrematureChannelClosureException)) { // a cut stream, not a refusal
                        framed.refuse(failure.toString());
                    }
                } else if (msg instanceof HttpResponse response) {
                    int status = response.status().code();
                    framed.head(status, nettyHeaderLines(response.headers()), status >= 100 && status < 200);
                } else if (framed.interimEnding) {
                    framed.interimEnding = false; // Netty ends an interim head with an empty last content
                } else {
                    framed.body(((HttpContent) msg).content());
                    if (msg instanceof LastHttpContent last) {
                        framed.end(nettyHeaderLines(last.trailingHeaders()));
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /**
     * Decodes a chunked body ours handed on as it came, with Netty, one byte at a time: the last content must come
     * with the last byte (not before, not after), and its data and trailers replace the body.
     */
    private static void decodeChunked(Framed.Exchange exchange) {
        byte[] body = exchange.body.getBytes(StandardCharsets.ISO_8859_1);
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpResponseDecoder(nettyConfig()));
        StringBuilder data = new StringBuilder();
        List<String> trailers = null;
        try {
            decoder.writeInbound(Unpooled.copiedBuffer(CHUNKED_HEAD, StandardCharsets.ISO_8859_1));
            for (int i = 0; i < body.length; i++) {
                decoder.writeInbound(Unpooled.wrappedBuffer(body, i, 1));
                for (Object msg; (msg = decoder.readInbound()) != null; ) {
                    try {
                        if (((HttpObject) msg).decoderResult().isFailure()) {
                            data.append("<undecodable: ").append(((HttpObject) msg).decoderResult().cause())
                                    .append('>');
                        } else if (msg instanceof HttpContent content) {
                            data.append(content.content().toString(StandardCharsets.ISO_8859_1));
                            if (msg instanceof LastHttpContent last) {
                                trailers = nettyHeaderLines(last.trailingHeaders());
                                if (i != body.length - 1) {
                                    data.append("<ended ").append(body.length - 1 - i).append(" bytes early>");
                                }
                            }
                        }
                    } finally {
                        ReferenceCountUtil.release(msg);
                    }
                }
            }
        } finally {
            decoder.finishAndReleaseAll();
        }
        exchange.body = trailers == null ? data + "<no end>" : data.toString();
        exchange.trailers = trailers == null ? List.of() : trailers;
    }

    private static DefaultFullHttpRequest request(HttpMethod method) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/");
    }

    /** The header lines of a head as it came, but the framing ones: {@code name: value}, the value trimmed. */
    private static List<String> oursHeaderLines(String head) {
        List<String> lines = new ArrayList<>();
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !framing(line.substring(0, colon))) {
                lines.add(line.substring(0, colon) + ": " + line.substring(colon + 1).strip());
            }
        }
        return lines;
    }

    private static List<String> nettyHeaderLines(HttpHeaders headers) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> header : headers) {
            if (!framing(header.getKey())) {
                lines.add(header.getKey() + ": " + header.getValue());
            }
        }
        return lines;
    }

    /** Content-Length and Transfer-Encoding, which Netty rewrites (one length, no coding where no body follows). */
    private static boolean framing(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals("content-length") || lower.equals("transfer-encoding");
    }

    private static String printable(String text) {
        String shown = text.length() > 600 ? text.substring(0, 600) + "…" : text;
        return shown.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0").replace("\u0001", "\\1");
    }

    /** What a reader made of a stream: its responses, and where it refused (if it did). */
    private static final class Framed {
        final List<Exchange> exchanges = new ArrayList<>(List.of(new Exchange()));
        final ByteArrayOutputStream handedOn = new ByteArrayOutputStream();
        boolean closing;
        boolean interimEnding;
        String refusal;
        int refusedAt = -1;

        /** A response with its interim heads, as far as it was read. */
        static final class Exchange {
            final List<Integer> statuses = new ArrayList<>();
            final List<List<String>> heads = new ArrayList<>();
            String body = "";
            List<String> trailers = List.of();
            boolean complete;
            boolean atClose;
            boolean decodeAsChunked;

            @Override
            public String toString() {
                return statuses + " " + heads + " body \"" + printable(body) + "\" trailers " + trailers
                        + (complete ? atClose ? " ended by the close" : " ended" : " unended");
            }
        }

        Exchange current() {
            return exchanges.get(exchanges.size() - 1);
        }

        void head(int status, List<String> lines, boolean interim) {
            current().statuses.add(status);
            current().heads.add(lines);
            interimEnding = interim;
        }

        void body(ByteBuf bytes) {
            String text = bytes.toString(StandardCharsets.ISO_8859_1);
            handedOn.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
            current().body += text;
        }

        void end(List<String> trailers) {
            current().trailers = trailers;
            current().complete = true;
            current().atClose = closing;
            exchanges.add(new Exchange());
        }

        void refuse(String why) {
            refusal = why;
            refusedAt = exchanges.size() - 1;
        }

        /** The responses read to their end, described (ours with chunked bodies decoded). */
        List<String> completed() {
            return exchanges.stream().filter(e -> e.complete).map(Exchange::toString).toList();
        }

        @Override
        public String toString() {
            return exchanges + (refusal == null ? "" : " refused at " + refusedAt + ": " + refusal);
        }
    }
}
