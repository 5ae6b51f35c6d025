package dev.ballast.dataplane.proxy;

import static dev.ballast.dataplane.proxy.RawBackend.readHead;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Response compression ({@code COMPRESSION_ALGO}, {@code COMPRESSION_TYPE}) through real sockets: a scripted backend
 * writes exact responses (lengths, chunks, ETags, Vary), a raw client reads what the proxy sends, byte for byte,
 * decodes the chunks and decompresses. Three replicas: gzip and deflate with the default types, gzip for listed types,
 * and one with compression off.
 */
class CompressionTest {

    private static final byte[] PAGE = text(4000, 1);
    private static final byte[] JSON = text(20_000, 2);
    private static final byte[] BIG = text(8 * 1024 * 1024, 3);
    private static final byte[] FIRST_EVENT = "data: first\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LATER_EVENTS = text(3000, 4);

    private static RawBackend backend;
    private static DataplaneServer compressing;
    private static DataplaneServer typed;
    private static DataplaneServer off;
    /** Released by the streaming test once the client has the first event: the backend then sends the rest. */
    private static volatile CountDownLatch firstEventSeen = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        backend = RawBackend.start("scripted-backend", CompressionTest::serve);
        compressing = replica(List.of("gzip", "deflate"), List.of());
        typed = replica(List.of("gzip"), List.of("text/plain", "application/*"));
        off = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5)));
        off.start();
        off.apply(TestReplicas.route("scripted", "/", backend.port()), "test");
    }

    private static DataplaneServer replica(List<String> algorithms, List<String> types) throws Exception {
        DataplaneServer server = new DataplaneServer(TestReplicas.withCompression(
                TestReplicas.config(Duration.ofSeconds(5)), algorithms, types));
        server.start();
        server.apply(TestReplicas.route("scripted", "/", backend.port()), "test");
        return server;
    }

    @AfterAll
    static void stop() throws IOException {
        compressing.close();
        typed.close();
        off.close();
        backend.close();
    }

    /** Words from a small vocabulary, pseudo-random: text that compresses as text does, not as a repeated line. */
    private static byte[] text(int length, long seed) {
        String[] words = {"proxy", "route", "upstream", "swarm", "service", "replica", "the", "a", "of", "to",
            "compress", "header", "body", "chunk", "stream", "docker", "flow", "label", "event", "loop"};
        Random random = new Random(seed);
        StringBuilder out = new StringBuilder(length + 16);
        while (out.length() < length) {
            out.append(words[random.nextInt(words.length)]).append(random.nextInt(12) == 0 ? '\n' : ' ');
        }
        out.setLength(length);
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    // ------------------------------------------------------------------------------------------------ backend

    private static void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            for (String head = readHead(in); head != null; head = readHead(in)) {
                String[] requestLine = head.split(" ", 3);
                boolean headRequest = requestLine[0].equals("HEAD");
                for (byte[] piece : script(requestLine[1], headRequest)) {
                    if (piece == null) { // the pause of the streaming script
                        firstEventSeen.await(10, TimeUnit.SECONDS);
                        continue;
                    }
                    out.write(piece);
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException gone) {
            // the proxy closed the connection
        }
    }

    /** What the backend writes for {@code path}, in the pieces it writes them (null: wait for the client). */
    private static List<byte[]> script(String path, boolean headRequest) {
        return switch (path) {
            case "/page" -> sized("text/html; charset=utf-8", "ETag: \"v1\"\r\nVary: Origin\r\n", PAGE, headRequest);
            case "/weak-etag" -> sized("text/html", "ETag: W/\"w1\"\r\nVary: Accept-Encoding\r\n", PAGE, headRequest);
            case "/small" -> sized("text/html", "", text(100, 5), headRequest);
            case "/png" -> sized("image/png", "", PAGE, headRequest);
            case "/text" -> sized("text/plain", "", PAGE, headRequest);
            case "/css" -> sized("text/css", "", PAGE, headRequest);
            case "/encoded" -> sized("text/html", "Content-Encoding: br\r\n", PAGE, headRequest);
            case "/no-transform" -> sized("text/html", "Cache-Control: public, no-transform\r\n", PAGE, headRequest);
            case "/partial" -> List.of(bytes("HTTP/1.1 206 Partial Content\r\nContent-Type: text/html\r\n"
                    + "Content-Range: bytes 0-3999/8000\r\nContent-Length: " + PAGE.length + "\r\n\r\n"), PAGE);
            case "/not-modified" -> List.of(bytes("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Type: text/html"
                    + "\r\n\r\n"));
            case "/chunked" -> chunked("application/problem+json", JSON);
            case "/big" -> {
                List<byte[]> pieces = new ArrayList<>();
                pieces.add(bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + BIG.length
                        + "\r\n\r\n"));
                for (int at = 0; at < BIG.length; at += 64 * 1024) {
                    pieces.add(java.util.Arrays.copyOfRange(BIG, at, Math.min(BIG.length, at + 64 * 1024)));
                }
                yield pieces;
            }
            case "/stream" -> {
                List<byte[]> pieces = new ArrayList<>();
                pieces.add(bytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked"
                        + "\r\n\r\n" + Integer.toHexString(FIRST_EVENT.length) + "\r\n"));
                pieces.add(FIRST_EVENT);
                pieces.add(bytes("\r\n"));
                pieces.add(null);
                pieces.add(bytes(Integer.toHexString(LATER_EVENTS.length) + "\r\n"));
                pieces.add(LATER_EVENTS);
                pieces.add(bytes("\r\n0\r\n\r\n"));
                yield pieces;
            }
            default -> sized("text/plain", "", bytes("default"), headRequest);
        };
    }

    private static List<byte[]> sized(String type, String headers, byte[] body, boolean headRequest) {
        byte[] head = bytes("HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\n" + headers + "Content-Length: "
                + body.length + "\r\n\r\n");
        return headRequest ? List.of(head) : List.of(head, body);
    }

    /** A chunked response: the body in uneven chunks, one with an extension, and a trailer. */
    private static List<byte[]> chunked(String type, byte[] body) {
        List<byte[]> pieces = new ArrayList<>();
        pieces.add(bytes("HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nTransfer-Encoding: chunked\r\n\r\n"));
        int[] sizes = {1, 700, 3000, 5000};
        int at = 0;
        for (int i = 0; at < body.length; i++) {
            int n = Math.min(sizes[i % sizes.length], body.length - at);
            pieces.add(bytes(Integer.toHexString(n) + (i == 2 ? ";ext=1" : "") + "\r\n"));
            pieces.add(java.util.Arrays.copyOfRange(body, at, at + n));
            pieces.add(bytes("\r\n"));
            at += n;
        }
        pieces.add(bytes("0\r\nX-Checksum: 1\r\n\r\n"));
        return pieces;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(List<byte[]> pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pieces.forEach(out::writeBytes);
        return out.toByteArray();
    }


    // ------------------------------------------------------------------------------------------------ client

    /** A connection to a replica; every byte read is also recorded, for byte-for-byte comparisons. */
    private static final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final ByteArrayOutputStream raw = new ByteArrayOutputStream();

        Client(DataplaneServer server) throws IOException {
            socket = new Socket("127.0.0.1", server.trafficAddress().getPort());
            socket.setSoTimeout(10_000);
            InputStream socketIn = socket.getInputStream();
            in = new InputStream() {
                @Override
                public int read() throws IOException {
                    int b = socketIn.read();
                    if (b >= 0) {
                        raw.write(b);
                    }
                    return b;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    int n = socketIn.read(buf, off, len);
                    if (n > 0) {
                        raw.write(buf, off, n);
                    }
                    return n;
                }
            };
        }

        Response get(String path, String acceptEncoding) throws IOException {
            write("GET " + path + " HTTP/1.1\r\nHost: test\r\n"
                    + (acceptEncoding == null ? "" : "Accept-Encoding: " + acceptEncoding + "\r\n") + "\r\n");
            return read("GET");
        }

        void write(String text) throws IOException {
            socket.getOutputStream().write(bytes(text));
            socket.getOutputStream().flush();
        }

        /** One response; a chunked body is decoded (its chunks counted), a coded one left as it came. */
        Response read(String method) throws IOException {
            String head = readHead(in);
            assertThat(head).as("a response head").isNotNull();
            Response response = new Response(head);
            int status = response.status();
            if (method.equals("HEAD") || status / 100 == 1 || status == 204 || status == 304) {
                return response;
            }
            String length = response.header("content-length");
            if ("chunked".equalsIgnoreCase(response.header("transfer-encoding"))) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                while (true) {
                    int n = Integer.parseInt(line().split(";")[0].trim(), 16);
                    if (n == 0) {
                        break;
                    }
                    response.chunks++;
                    body.write(in.readNBytes(n));
                    assertThat(line()).isEmpty();
                }
                for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                    response.trailers.add(trailer);
                }
                response.body = body.toByteArray();
            } else if (length != null) {
                response.body = in.readNBytes(Integer.parseInt(length));
            } else {
                response.body = in.readAllBytes();
            }
            return response;
        }

        /** The next chunk of a chunked body whose head was read: its data. */
        byte[] chunk() throws IOException {
            int n = Integer.parseInt(line().split(";")[0].trim(), 16);
            byte[] data = in.readNBytes(n);
            assertThat(line()).isEmpty();
            return data;
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                assertThat(b).as("more of the chunked body").isNotNegative();
                line.append((char) b);
            }
            return line.toString().replace("\r", "");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static final class Response {
        final String head;
        byte[] body = new byte[0];
        int chunks;
        final List<String> trailers = new ArrayList<>();

        Response(String head) {
            this.head = head;
        }

        int status() {
            return Integer.parseInt(head.split(" ", 3)[1]);
        }

        /** The values of a header, by case-insensitive name. */
        List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                    values.add(line.substring(colon + 1).trim());
                }
            }
            return values;
        }

        String header(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? null : values.get(0);
        }

        /** The body, decompressed as its Content-Encoding says. */
        byte[] decoded() throws IOException {
            String coding = header("content-encoding");
            if (coding == null) {
                return body;
            }
            InputStream decoder = switch (coding) {
                case "gzip" -> new GZIPInputStream(new ByteArrayInputStream(body));
                case "deflate" -> new InflaterInputStream(new ByteArrayInputStream(body));
                default -> throw new AssertionError("coding " + coding);
            };
            try (decoder) {
                return decoder.readAllBytes();
            }
        }
    }

    /** The response is sent as the backend sent it: not coded, its length kept. */
    private static void assertUncompressed(Response response, byte[] expected) throws IOException {
        assertThat(response.header("content-encoding")).isNull();
        assertThat(response.header("content-length")).isEqualTo(String.valueOf(expected.length));
        assertThat(response.body).isEqualTo(expected);
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void gzipWhenTheClientAcceptsIt() throws Exception {
        try (Client client = new Client(compressing)) {
            Response response = client.get("/page", "gzip, deflate, br");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("content-encoding")).isEqualTo("gzip");
            assertThat(response.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(response.header("content-length")).isNull();
            assertThat(response.header("content-type")).isEqualTo("text/html; charset=utf-8");
            assertThat(response.headers("vary")).as("appended to the backend's").containsExactly("Origin, Accept-Encoding");
            assertThat(response.headers("etag")).as("weak: other bytes, same content").containsExactly("W/\"v1\"");
            assertThat(response.body.length).isLessThan(PAGE.length / 2);
            assertThat(response.decoded()).isEqualTo(PAGE);
            assertThat(client.get("/page", "gzip").decoded()).as("the connection carries on").isEqualTo(PAGE);
        }
    }

    @Test
    void theProxysPreferenceAmongWhatTheClientAccepts() throws Exception {
        try (Client client = new Client(compressing)) {
            assertThat(client.get("/text", "deflate;q=0.5, gzip;q=0.1").header("content-encoding"))
                    .as("gzip is the proxy's first choice").isEqualTo("gzip");
            Response deflate = client.get("/text", "deflate");
            assertThat(deflate.header("content-encoding")).isEqualTo("deflate");
            assertThat(deflate.decoded()).isEqualTo(PAGE);
            assertThat(client.get("/text", "gzip;q=0, *").header("content-encoding")).isEqualTo("deflate");
            assertThat(client.get("/text", "*;q=0.3").header("content-encoding")).isEqualTo("gzip");
            assertThat(client.get("/text", "X-GZIP").header("content-encoding")).isEqualTo("gzip");
        }
    }

    @Test
    void notCompressedWhenTheClientDoesNotAcceptACoding() throws Exception {
        try (Client client = new Client(compressing)) {
            assertUncompressed(client.get("/page", null), PAGE);
            assertUncompressed(client.get("/page", "br, identity"), PAGE);
            assertUncompressed(client.get("/page", ""), PAGE);
            assertUncompressed(client.get("/page", "gzip;q=0, deflate;q=0.000"), PAGE);
            assertUncompressed(client.get("/page", "*;q=0"), PAGE);
            assertUncompressed(client.get("/page", "gzip;q=nonsense"), PAGE);
            Response identity = client.get("/page", "gzip;q=0");
            assertThat(identity.headers("etag")).as("kept strong").containsExactly("\"v1\"");
            assertThat(identity.headers("vary")).containsExactly("Origin");
        }
    }

    @Test
    void onlyTheTypesListedOrByDefaultTextualOnes() throws Exception {
        try (Client client = new Client(compressing)) {
            assertUncompressed(client.get("/png", "gzip"), PAGE);
            assertThat(client.get("/css", "gzip").header("content-encoding")).as("text/*").isEqualTo("gzip");
            Response json = client.get("/chunked", "gzip");
            assertThat(json.header("content-encoding")).as("+json").isEqualTo("gzip");
            assertThat(json.decoded()).isEqualTo(JSON);
        }
        try (Client client = new Client(typed)) {
            assertThat(client.get("/text", "gzip").header("content-encoding")).isEqualTo("gzip");
            assertThat(client.get("/chunked", "gzip").header("content-encoding")).as("application/*").isEqualTo("gzip");
            assertUncompressed(client.get("/css", "gzip"), PAGE); // text/css is not listed
            assertUncompressed(client.get("/page", "gzip"), PAGE);
        }
    }

    @Test
    void notCompressedWhenEncodedAlreadySmallOrNotToBeTransformed() throws Exception {
        try (Client client = new Client(compressing)) {
            Response encoded = client.get("/encoded", "gzip");
            assertThat(encoded.header("content-encoding")).isEqualTo("br");
            assertThat(encoded.body).isEqualTo(PAGE);
            assertUncompressed(client.get("/small", "gzip"), text(100, 5));
            assertUncompressed(client.get("/no-transform", "gzip"), PAGE);
            Response partial = client.get("/partial", "gzip");
            assertThat(partial.status()).isEqualTo(206);
            assertUncompressed(partial, PAGE);
            client.write("GET /page HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\nCache-Control: no-transform\r\n\r\n");
            assertUncompressed(client.read("GET"), PAGE);
        }
    }

    @Test
    void headAndNotModifiedAreLeftAlone() throws Exception {
        try (Client client = new Client(compressing)) {
            client.write("HEAD /page HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n");
            Response head = client.read("HEAD");
            assertThat(head.header("content-encoding")).isNull();
            assertThat(head.header("content-length")).isEqualTo(String.valueOf(PAGE.length));
            assertThat(head.headers("etag")).containsExactly("\"v1\"");
            Response notModified = client.get("/not-modified", "gzip");
            assertThat(notModified.status()).isEqualTo(304);
            assertThat(notModified.header("content-encoding")).isNull();
            assertThat(notModified.headers("etag")).containsExactly("\"v1\"");
            assertThat(client.get("/page", "gzip").decoded()).as("the connection carries on").isEqualTo(PAGE);
        }
    }

    @Test
    void aVaryThatNamesAcceptEncodingAlreadyAndAWeakETagStayAsTheyAre() throws Exception {
        try (Client client = new Client(compressing)) {
            Response response = client.get("/weak-etag", "gzip");
            assertThat(response.header("content-encoding")).isEqualTo("gzip");
            assertThat(response.headers("vary")).containsExactly("Accept-Encoding");
            assertThat(response.headers("etag")).containsExactly("W/\"w1\"");
            Response noVary = client.get("/text", "gzip");
            assertThat(noVary.headers("vary")).containsExactly("Accept-Encoding");
        }
    }

    @Test
    void aChunkedBodyIsDecodedCompressedAndChunkedAgainWithoutItsTrailers() throws Exception {
        try (Client client = new Client(compressing)) {
            Response response = client.get("/chunked", "gzip");
            assertThat(response.header("content-encoding")).isEqualTo("gzip");
            assertThat(response.headers("transfer-encoding")).containsExactly("chunked");
            assertThat(response.trailers).as("they spoke of the uncompressed body").isEmpty();
            assertThat(response.decoded()).isEqualTo(JSON);
        }
    }

    @Test
    void aLargeBodyIsCompressedAsItStreams() throws Exception {
        try (Client client = new Client(compressing)) {
            Response response = client.get("/big", "gzip");
            assertThat(response.header("content-encoding")).isEqualTo("gzip");
            assertThat(response.chunks).as("sent as it came, not gathered whole").isGreaterThan(20);
            assertThat(response.body.length).isLessThan(BIG.length / 2);
            assertThat(response.decoded()).isEqualTo(BIG);
            assertThat(client.get("/page", "deflate").decoded()).isEqualTo(PAGE);
        }
    }

    @Test
    void whatTheUpstreamSentReachesTheClientBeforeTheUpstreamSendsMore() throws Exception {
        firstEventSeen = new CountDownLatch(1);
        try (Client client = new Client(compressing)) {
            client.write("GET /stream HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n");
            Response response = new Response(readHead(client.in));
            assertThat(response.header("content-encoding")).isEqualTo("gzip");
            // the first event, compressed and flushed, while the backend waits: the stream has not ended yet
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
            ByteArrayOutputStream inflated = new ByteArrayOutputStream();
            while (inflated.size() < FIRST_EVENT.length) {
                byte[] chunk = client.chunk();
                assertThat(chunk).as("a chunk before the end").isNotEmpty();
                int skip = body.size() == 0 ? 10 : 0; // the gzip header
                body.writeBytes(chunk);
                inflater.setInput(chunk, skip, chunk.length - skip);
                byte[] out = new byte[64];
                for (int n = inflater.inflate(out); n > 0; n = inflater.inflate(out)) {
                    inflated.write(out, 0, n);
                }
            }
            assertThat(inflated.toByteArray()).isEqualTo(FIRST_EVENT);
            firstEventSeen.countDown();
            for (byte[] chunk = client.chunk(); chunk.length > 0; chunk = client.chunk()) {
                body.writeBytes(chunk);
            }
            response.body = body.toByteArray();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(FIRST_EVENT);
            all.writeBytes(LATER_EVENTS);
            assertThat(response.decoded()).isEqualTo(all.toByteArray());
        } finally {
            firstEventSeen.countDown();
        }
    }

    @Test
    void aClientThatLeavesInTheMiddleOfACompressedBodyLeavesNothingBehind() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (Client client = new Client(compressing)) {
                client.write("GET /big HTTP/1.1\r\nHost: test\r\nAccept-Encoding: " + (i % 2 == 0 ? "gzip" : "deflate")
                        + "\r\n\r\n");
                assertThat(new Response(readHead(client.in)).header("content-encoding")).isNotNull();
                client.chunk();
            }
        }
        try (Client client = new Client(compressing)) {
            assertThat(client.get("/big", "gzip").decoded()).isEqualTo(BIG);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (Client client = new Client(compressing)) {
            client.write("GET /page HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n"
                    + "GET /small HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n"
                    + "GET /chunked HTTP/1.1\r\nHost: test\r\nAccept-Encoding: deflate\r\n\r\n"
                    + "GET /png HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n"
                    + "GET /text HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n");
            assertThat(client.read("GET").decoded()).isEqualTo(PAGE);
            assertUncompressed(client.read("GET"), text(100, 5));
            Response chunked = client.read("GET");
            assertThat(chunked.header("content-encoding")).isEqualTo("deflate");
            assertThat(chunked.decoded()).isEqualTo(JSON);
            assertUncompressed(client.read("GET"), PAGE);
            assertThat(client.read("GET").decoded()).isEqualTo(PAGE);
        }
    }

    @Test
    void http10ClientsAndUpgradeRequestsGetTheBodyAsItIs() throws Exception {
        try (Client client = new Client(compressing)) {
            client.write("GET /page HTTP/1.0\r\nHost: test\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n");
            Response response = client.read("GET");
            assertUncompressed(response, PAGE);
            client.write("GET /page HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n");
            assertThat(client.read("GET").decoded()).as("the connection carries on").isEqualTo(PAGE);
        }
        try (Client client = new Client(compressing)) {
            client.write("GET /page HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\nConnection: upgrade\r\n"
                    + "Upgrade: websocket\r\n\r\n");
            assertUncompressed(client.read("GET"), PAGE); // the backend declined the upgrade
        }
    }

    @Test
    void theProxysOwnAnswersAreNotCompressed() throws Exception {
        try (Client client = new Client(compressing)) {
            client.write("GET /page HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\nContent-Length: 1\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            Response refused = client.read("GET");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.header("content-encoding")).isNull();
            assertThat(refused.header("content-type")).startsWith("text/plain");
        }
    }

    @Test
    void withCompressionOffTheResponseIsTheBackendsByteForByte() throws Exception {
        for (String path : List.of("/page", "/chunked", "/big")) {
            try (Client client = new Client(off)) {
                client.get(path, "gzip, deflate");
                assertThat(client.raw.toByteArray()).as(path).isEqualTo(concat(script(path, false)));
            }
        }
    }
}
