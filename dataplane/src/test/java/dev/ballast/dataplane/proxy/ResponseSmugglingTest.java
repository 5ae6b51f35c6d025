package dev.ballast.dataplane.proxy;

import static dev.ballast.dataplane.proxy.RawBackend.readHead;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Smuggling in the response direction, through a real replica: an upstream answers a request with ambiguous or broken
 * framing, or with a second response (ending in {@code smuggled}) right behind the first, in the same write. The
 * client pipelines a second request, {@code GET /next}, behind the first, and reads everything until the proxy closes;
 * its bytes are read as a strict client reads them ({@link StrictClient}). The client never gets two responses to one
 * request, nor a response stitched from another (the {@code smuggled} bytes never reach it): the proxy answers 502 for
 * a head it refuses (and closes), closes the client connection when a body breaks after its head, or relays the one
 * response the framing gives, and {@code /next} is answered by the backend on a connection with no leftover bytes.
 */
class ResponseSmugglingTest {

    private static final String SMUGGLED = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled";
    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

    /** What must become of a hostile response. */
    enum Expect {
        /** A 502 from the proxy, then the close. */
        REFUSED,
        /** No complete response: the client connection closes (its head is not sent alone, or is cut). */
        CUT,
        /** The one response the framing gives ("status body" as given), then the answer to {@code /next}. */
        FRAMED
    }

    private static RawBackend backend;
    private static DataplaneServer server;
    /** What the backend answers {@code /hostile} with, in one write. */
    private static volatile String hostile;

    @BeforeAll
    static void start() throws Exception {
        backend = RawBackend.start("hostile-backend", ResponseSmugglingTest::serve);
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(3)));
        server.start();
        server.apply(TestReplicas.route("hostile", "/", backend.port()), "test");
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        backend.close();
    }

    static Stream<Arguments> hostileResponses() {
        return Stream.of(
                refused("CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\n" + SMUGGLED),
                refused("TE and a CL that covers a second response", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                        + "Content-Length: " + ("0\r\n\r\n" + SMUGGLED).length() + "\r\n\r\n0\r\n\r\n" + SMUGGLED),
                refused("differing CLs", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: "
                        + (2 + SMUGGLED.length()) + "\r\n\r\nok" + SMUGGLED),
                refused("the same CL written two ways", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                        + "Content-Length: 02\r\n\r\nok" + SMUGGLED),
                refused("a CL list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok" + SMUGGLED),
                refused("chunked before another coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
                        + "0\r\n\r\n" + SMUGGLED),
                refused("chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                refused("TE in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                refused("a bare CR hiding a CL", "HTTP/1.1 200 OK\r\nX: a\rContent-Length: 0\r\nContent-Length: "
                        + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED),
                refused("bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok" + SMUGGLED),
                refused("a folded header", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: a\r\n Transfer-Encoding: chunked"
                        + "\r\n\r\nok" + SMUGGLED),
                cut("a chunk size not in hex", CHUNKED + "zz\r\n" + SMUGGLED),
                cut("a chunk size line ended by a bare LF", CHUNKED + "2\nok\r\n0\r\n\r\n" + SMUGGLED),
                cut("a chunk extension hiding a bare LF", CHUNKED + "2;a\n" + SMUGGLED + "\r\nok\r\n0\r\n\r\n"),
                cut("chunk data longer than its size", CHUNKED + "2\r\nok" + SMUGGLED + "\r\n0\r\n\r\n"),
                cut("chunk data ended by a bare LF", CHUNKED + "2\r\nok\n0\r\n\r\n" + SMUGGLED),
                cut("a trailer ended by a bare LF", CHUNKED + "2\r\nok\r\n0\r\nT: 1\n\r\n" + SMUGGLED),
                cut("a huge chunk extension", CHUNKED + "2;x=" + "y".repeat(9000) + "\r\nok\r\n0\r\n\r\n"),
                framed("a second response behind a length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        + SMUGGLED, "200 ok"),
                framed("a second response behind a chunked body", CHUNKED + "2;a=b\r\nok\r\n0\r\nX-T: 1\r\n\r\n"
                        + SMUGGLED, "200 ok"),
                framed("a second response behind a 204", "HTTP/1.1 204 No Content\r\n\r\n" + SMUGGLED, "204 "),
                framed("the same CL twice", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"
                        + SMUGGLED, "200 ok"));
    }

    private static Arguments refused(String name, String response) {
        return Arguments.of(name, response, Expect.REFUSED, null);
    }

    private static Arguments cut(String name, String response) {
        return Arguments.of(name, response, Expect.CUT, null);
    }

    private static Arguments framed(String name, String response, String first) {
        return Arguments.of(name, response, Expect.FRAMED, first);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileResponses")
    void theClientGetsOneResponsePerRequestAndNoneStitchedFromAnother(String name, String response, Expect expect,
                                                                       String first) throws Exception {
        hostile = response;
        byte[] received;
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.trafficAddress().getPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("GET /hostile HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            client.getOutputStream().flush();
            received = client.getInputStream().readAllBytes(); // to the close: one left open fails on the timeout
        }
        String text = new String(received, StandardCharsets.ISO_8859_1);
        assertThat(text).as("the second response never reaches the client").doesNotContain("smuggled");
        List<String> responses = StrictClient.responses(received, 2);
        switch (expect) {
            case REFUSED -> { // and the client connection closes: what else it carried is not known to be requests
                assertThat(responses).as(text).hasSize(1);
                assertThat(responses.get(0)).startsWith("502 ").contains("sent an invalid response");
            }
            case CUT -> assertThat(responses).as("no complete response: " + text).allMatch(r -> r.startsWith("cut"));
            case FRAMED -> assertThat(responses).as(text).containsExactly(first, "200 next");
        }
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.trafficAddress().getPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertThat(StrictClient.responses(client.getInputStream().readAllBytes(), 1))
                    .as("the proxy goes on serving").containsExactly("200 next");
        }
    }

    // ------------------------------------------------------------------------------------------------ the backend

    /** Answers each request on the connection (none has a body) until the proxy closes it. */
    private static void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            for (String head; (head = readHead(in)) != null; ) {
                String answer = head.startsWith("GET /hostile ") ? hostile
                        : "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext";
                out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException gone) {
            // the proxy closed the connection
        }
    }

}
