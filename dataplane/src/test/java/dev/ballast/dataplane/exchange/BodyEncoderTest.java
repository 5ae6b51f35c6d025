package dev.ballast.dataplane.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The body encoder on bodies cut into parts anywhere (a chunk's size line, its data, its CRLF, the trailers split
 * across parts): what it sends is a valid chunked body whose data decompresses to the body's content.
 */
class BodyEncoderTest {

    private static byte[] content(int length, long seed) {
        Random random = new Random(seed);
        String[] words = {"alpha", "beta", "gamma", "delta", "proxy", "\n"};
        StringBuilder out = new StringBuilder();
        while (out.length() < length) {
            out.append(words[random.nextInt(words.length)]).append(' ');
        }
        out.setLength(length);
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code content} framed as a chunked body of random chunk sizes, with an extension and a trailer. */
    private static byte[] chunked(byte[] content, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int at = 0; at < content.length; ) {
            int n = Math.min(content.length - at, 1 + random.nextInt(5000));
            out.writeBytes((Integer.toHexString(n) + (random.nextBoolean() ? ";x=y" : "") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(content, at, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            at += n;
        }
        out.writeBytes("0\r\nX-Trailer: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Runs {@code body} through an encoder in parts cut at random; returns the chunked output, all released. */
    private static byte[] encode(ContentCoding coding, boolean chunked, byte[] body, Random random) {
        BodyEncoder encoder = new BodyEncoder(coding, CompressionPolicy.LEVEL, ByteBufAllocator.DEFAULT, chunked);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        while (at < body.length) {
            int n = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 1 + random.nextInt(20_000);
            cuts.add(Math.min(n, body.length - at));
            at += cuts.get(cuts.size() - 1);
        }
        at = 0;
        for (int i = 0; i < cuts.size(); i++) {
            ByteBuf part = Unpooled.directBuffer(cuts.get(i)).writeBytes(body, at, cuts.get(i));
            at += cuts.get(i);
            if (i == cuts.size() - 1) {
                encoder.last(part, out -> take(out, sent));
            } else {
                encoder.body(part, out -> take(out, sent));
            }
        }
        if (cuts.isEmpty()) {
            encoder.last(Unpooled.EMPTY_BUFFER, out -> take(out, sent));
        }
        encoder.close(); // a second time: nothing happens
        return sent.toByteArray();
    }

    private static void take(ByteBuf out, ByteArrayOutputStream sent) {
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        out.release();
        sent.writeBytes(bytes);
    }

    /** The data of a chunked body, checking its framing: sizes, CRLFs, the last chunk, no trailers. */
    private static byte[] dechunk(byte[] body) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int lf = indexOf(body, (byte) '\n', at);
            String size = new String(body, at, lf - at - 1, StandardCharsets.US_ASCII);
            assertThat(body[lf - 1]).isEqualTo((byte) '\r');
            assertThat(size).matches("[0-9a-f]+");
            int n = Integer.parseInt(size, 16);
            at = lf + 1;
            if (n == 0) {
                assertThat(new String(body, at, body.length - at, StandardCharsets.US_ASCII)).isEqualTo("\r\n");
                return data.toByteArray();
            }
            data.write(body, at, n);
            at += n;
            assertThat(new String(body, at, 2, StandardCharsets.US_ASCII)).isEqualTo("\r\n");
            at += 2;
        }
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new AssertionError("no more lines");
    }

    private static byte[] decompress(ContentCoding coding, byte[] data) throws IOException {
        try (InputStream in = coding == ContentCoding.GZIP ? new GZIPInputStream(new ByteArrayInputStream(data))
                : new InflaterInputStream(new ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @EnumSource(ContentCoding.class)
    void bodiesCutAnywhereComeOutWhole(ContentCoding coding) throws IOException {
        Random random = new Random(7);
        for (int round = 0; round < 40; round++) {
            byte[] content = content(random.nextInt(4) == 0 ? random.nextInt(10) : random.nextInt(200_000), round);
            boolean chunked = random.nextBoolean();
            byte[] sent = encode(coding, chunked, chunked ? chunked(content, random) : content, random);
            assertThat(decompress(coding, dechunk(sent))).as("round " + round).isEqualTo(content);
        }
    }

    @Test
    void anEmptyBodyIsAValidEmptyStream() throws IOException {
        byte[] sent = encode(ContentCoding.GZIP, true, "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), new Random(1));
        assertThat(decompress(ContentCoding.GZIP, dechunk(sent))).isEmpty();
    }

    @Test
    void eachPartIsFlushedOnItsOwn() throws IOException {
        BodyEncoder encoder = new BodyEncoder(ContentCoding.DEFLATE, 1, ByteBufAllocator.DEFAULT, false);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        encoder.body(Unpooled.copiedBuffer("hello ", StandardCharsets.US_ASCII), out -> take(out, sent));
        // what was sent so far inflates to the part, though the stream has not ended
        java.util.zip.Inflater inflater = new java.util.zip.Inflater();
        inflater.setInput(dechunkOpen(sent.toByteArray()));
        byte[] got = new byte[16];
        int n;
        try {
            n = inflater.inflate(got);
        } catch (java.util.zip.DataFormatException e) {
            throw new AssertionError(e);
        }
        assertThat(new String(got, 0, n, StandardCharsets.US_ASCII)).isEqualTo("hello ");
        encoder.last(Unpooled.copiedBuffer("world", StandardCharsets.US_ASCII), out -> take(out, sent));
        assertThat(decompress(ContentCoding.DEFLATE, dechunk(sent.toByteArray()))).asString(StandardCharsets.US_ASCII)
                .isEqualTo("hello world");
    }

    @Test
    void aBodyGivenUpReturnsItsDeflaterAndHoldsNothing() {
        BodyEncoder encoder = new BodyEncoder(ContentCoding.GZIP, 1, ByteBufAllocator.DEFAULT, false);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        encoder.body(Unpooled.copiedBuffer(content(50_000, 3)), out -> take(out, sent));
        encoder.close();
        encoder.close();
        assertThat(sent.size()).isPositive();
    }

    /** The data of the chunks of an unfinished chunked body. */
    private static byte[] dechunkOpen(byte[] body) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int at = 0;
        while (at < body.length) {
            int lf = indexOf(body, (byte) '\n', at);
            int n = Integer.parseInt(new String(body, at, lf - at - 1, StandardCharsets.US_ASCII), 16);
            data.write(body, lf + 1, n);
            at = lf + 1 + n + 2;
        }
        return data.toByteArray();
    }
}
