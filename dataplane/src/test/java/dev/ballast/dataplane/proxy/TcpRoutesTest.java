package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TCP routes: connections accepted on a port a TCP route claims are relayed whole to the route's endpoints. */
class TcpRoutesTest {

    /** A plain blocking TCP backend: {@code handler} runs on a thread of its own for each connection. */
    static final class Backend implements AutoCloseable {
        interface Handler {
            void serve(Socket socket) throws IOException;
        }

        final ServerSocket listener;
        final List<Socket> accepted = new CopyOnWriteArrayList<>();

        Backend(Handler handler) throws IOException {
            listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket socket = listener.accept();
                        accepted.add(socket);
                        Thread serving = new Thread(() -> {
                            try (socket) {
                                handler.serve(socket);
                            } catch (IOException ignored) {
                                // the test decides what a closed connection means
                            }
                        });
                        serving.setDaemon(true);
                        serving.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    static Backend echo() throws IOException {
        return new Backend(socket -> socket.getInputStream().transferTo(socket.getOutputStream()));
    }

    final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();
    DataplaneServer server;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** A replica with one extra listener (the TCP one), drain timeout {@code drain}. */
    DataplaneServer replica(Duration drain) throws Exception {
        server = new DataplaneServer(TestReplicas.withListeners(TestReplicas.config(Duration.ofSeconds(20), drain), 1));
        server.start();
        return server;
    }

    int tcpPort() {
        return server.trafficAddresses().get(1).getPort();
    }

    static String tcpRoute(String name, int srcPort, String extra, int... endpointPorts) {
        StringBuilder endpoints = new StringBuilder();
        for (int port : endpointPorts) {
            endpoints.append(endpoints.length() == 0 ? "" : ", ").append("{ address: \"127.0.0.1:").append(port)
                    .append("\" }");
        }
        return """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: %s }
                spec:
                  mode: TCP
                  loadBalancing: { policy: RoundRobin }
                  endpoints: [%s]
                  rules: [{ srcPort: %d %s }]
                """.formatted(name, endpoints, srcPort, extra);
    }

    static String httpRoute(String name, int port) {
        return """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: %s }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [/] }] }
                """.formatted(name, port);
    }

    Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        closing.add(socket);
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        return socket;
    }

    static String exchange(Socket socket, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return new String(socket.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
    }

    /** Whether the connection ends (EOF or reset) within the socket's timeout, after any bytes still in flight. */
    static boolean ends(Socket socket) throws IOException {
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // drain what was relayed before the end
            }
            return true;
        } catch (SocketException reset) {
            return true;
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    String get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void bytesEchoThroughAndTheConnectionIsCounted() throws Exception {
        Backend backend = echo();
        closing.add(backend);
        replica(Duration.ofSeconds(1));
        server.apply(TestReplicas.routes(tcpRoute("echo", tcpPort(), "", backend.port())), "test");

        Socket client = connect(tcpPort());
        assertThat(exchange(client, "hello")).isEqualTo("hello");
        assertThat(exchange(client, "not HTTP at all\r\n\r\n")).isEqualTo("not HTTP at all\r\n\r\n");
        // the balancer counts the open connection in flight, and no longer once it is closed
        String endpoint = "server_address=\"127.0.0.1:" + backend.port() + "\"";
        assertThat(inFlight(endpoint)).isEqualTo("1");
        client.close();
        await("the connection counted out", () -> "0".equals(inFlight(endpoint)));
        String metrics = new String(server.scrapeMetrics(), StandardCharsets.UTF_8);
        assertThat(metrics.lines().filter(l -> l.startsWith("ballast_tcp_connections_total{")))
                .anySatisfy(l -> assertThat(l).contains("route=\"echo\"").endsWith(" 1.0"));
    }

    @Test
    void aClientOutsideTheSourceRangesIsClosedAndCounted() throws Exception {
        Backend backend = echo();
        closing.add(backend);
        replica(Duration.ofSeconds(1));
        server.apply(TestReplicas.routes(tcpRoute("guarded", tcpPort(), ", allowedSourceRanges: [10.0.0.0/8]",
                backend.port())), "test");
        Socket refused = connect(tcpPort());
        assertThat(ends(refused)).as("closed at once").isTrue();
        String metrics = new String(server.scrapeMetrics(), StandardCharsets.UTF_8);
        assertThat(metrics.lines().filter(l -> l.startsWith("ballast_refusals_total{")))
                .anySatisfy(l -> assertThat(l).contains("reason=\"source_range\"").contains("route=\"guarded\""));

        server.apply(TestReplicas.routes(tcpRoute("guarded", tcpPort(), ", allowedSourceRanges: [127.0.0.0/8]",
                backend.port())), "test");
        assertThat(exchange(connect(tcpPort()), "admitted")).isEqualTo("admitted");
    }

    @Test
    void aBackendThatSpeaksFirstGreetsAClientThatHasSentNothing() throws Exception {
        // as SMTP and MySQL servers do: the proxy must not wait for the client's first bytes (a PROXY header)
        Backend greeter = new Backend(socket -> {
            socket.getOutputStream().write("220 ready\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.getInputStream().transferTo(socket.getOutputStream());
        });
        closing.add(greeter);
        replica(Duration.ofSeconds(1));
        server.apply(TestReplicas.routes(tcpRoute("greeter", tcpPort(), "", greeter.port())), "test");

        Socket client = connect(tcpPort());
        byte[] greeting = new byte["220 ready\r\n".length()];
        new java.io.DataInputStream(client.getInputStream()).readFully(greeting);
        assertThat(new String(greeting, StandardCharsets.US_ASCII)).isEqualTo("220 ready\r\n");
    }

    /** {@code size} bytes of a seeded random stream, written in 64 KiB chunks: the same bytes on every call. */
    private static void writeStream(OutputStream out, long size) throws IOException {
        Random random = new Random(42);
        byte[] chunk = new byte[64 * 1024];
        for (long left = size; left > 0; left -= chunk.length) {
            random.nextBytes(chunk);
            out.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
    }

    /**
     * What the proxy may hold for a slow client: the writability high-water mark and the reads already under way when
     * reading stops. On io_uring those are reads submitted ahead, which complete after autoRead is off (measured: up to
     * 2.5 MiB at once, 64 KiB most of the time); a relay without backpressure would hold most of the 100 MiB.
     */
    private static final long HELD_AT_MOST = 8L * 1024 * 1024;

    @Test
    void aLargeTransferToASlowReaderStaysBoundedByBackpressure() throws Exception {
        long size = 100L * 1024 * 1024;
        CRC32 expected = new CRC32();
        writeStream(new CheckedOutputStream(OutputStream.nullOutputStream(), expected), size);
        Backend backend = new Backend(socket -> writeStream(socket.getOutputStream(), size));
        closing.add(backend);
        replica(Duration.ofSeconds(1));
        server.apply(TestReplicas.routes(tcpRoute("bulk", tcpPort(), "", backend.port())), "test");

        Socket client = new Socket();
        closing.add(client);
        client.setReceiveBufferSize(64 * 1024); // the kernel must not absorb the transfer for the slow reader
        client.setSoTimeout(10_000);
        client.connect(new InetSocketAddress("127.0.0.1", tcpPort()));
        await("the relay", () -> !server.tcpConnections().of("bulk").isEmpty()
                && server.tcpConnections().of("bulk").get(0).upstream() != null);
        TcpConnections.Relay relay = server.tcpConnections().of("bulk").get(0);

        // The client reads nothing: the proxy's side towards it fills up and the upstream stops being read. (The
        // upstream may be read again for a moment while the kernel's send buffer towards the client grows: what must
        // hold is that the proxy never holds more than a bounded amount.)
        await("backpressure", () -> !relay.client().isWritable() && !relay.upstream().config().isAutoRead());
        for (int i = 0; i < 5; i++) {
            assertThat(pendingBytes(relay.client())).as("bytes the proxy holds for the client")
                    .isLessThan(HELD_AT_MOST);
            Thread.sleep(50);
        }

        // Then it reads slowly, pausing every 4 MiB: what the proxy holds stays bounded all the way.
        CRC32 received = new CRC32();
        InputStream in = client.getInputStream();
        byte[] chunk = new byte[8192];
        long total = 0;
        while (total < size) {
            int n = in.read(chunk);
            assertThat(n).as("bytes before the end").isPositive();
            received.update(chunk, 0, n);
            if (total / (4 << 20) != (total + n) / (4 << 20)) {
                assertThat(pendingBytes(relay.client())).as("bytes the proxy holds for the client after %d MiB",
                        total >> 20).isLessThan(HELD_AT_MOST);
                Thread.sleep(5);
            }
            total += n;
        }
        assertThat(received.getValue()).isEqualTo(expected.getValue());
    }

    private String inFlight(String endpoint) {
        return new String(server.scrapeMetrics(), StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("ballast_upstream_in_flight{") && l.contains(endpoint))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1).replace(".0", "")).findFirst().orElse("none");
    }

    private static long pendingBytes(Channel channel) {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /** A TCP route "half" to a backend that answers only once it has seen the end of the client's input. */
    private Socket halfCloseRoute() throws Exception {
        Backend backend = new Backend(socket -> {
            byte[] all = socket.getInputStream().readAllBytes();
            socket.getOutputStream().write(("got " + all.length + " bytes").getBytes(StandardCharsets.UTF_8));
        });
        closing.add(backend);
        replica(Duration.ofSeconds(1));
        server.apply(TestReplicas.routes(tcpRoute("half", tcpPort(), "", backend.port())), "test");
        return connect(tcpPort());
    }

    @Test
    void halfCloseIsPassedOnAndTheOtherDirectionKeepsFlowing() throws Exception {
        Socket client = halfCloseRoute();
        client.getOutputStream().write("abcdef".getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput(); // at once: while the upstream may still be connecting

        assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("got 6 bytes");
    }

    @Test
    void halfCloseAfterTheRelayStartedIsPassedOnToo() throws Exception {
        Socket client = halfCloseRoute();
        client.getOutputStream().write("abc".getBytes(StandardCharsets.UTF_8));
        await("the relay", () -> !server.tcpConnections().of("half").isEmpty()
                && server.tcpConnections().of("half").get(0).upstream() != null);
        Thread.sleep(100);
        client.getOutputStream().write("def".getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput();
        assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("got 6 bytes");
    }

    @Test
    void aBackendKilledMidStreamClosesTheClientConnection() throws Exception {
        Backend backend = new Backend(socket -> {
            socket.getOutputStream().write("hi".getBytes(StandardCharsets.UTF_8));
            socket.getInputStream().transferTo(socket.getOutputStream());
        });
        closing.add(backend);
        replica(Duration.ofSeconds(1));
        server.apply(TestReplicas.routes(tcpRoute("fragile", tcpPort(), "", backend.port())), "test");

        Socket client = connect(tcpPort());
        assertThat(new String(client.getInputStream().readNBytes(2), StandardCharsets.UTF_8)).isEqualTo("hi");
        await("the backend's side", () -> !backend.accepted.isEmpty());
        Socket killed = backend.accepted.get(0);
        killed.setSoLinger(true, 0); // a reset, as when the process dies
        killed.close();
        assertThat(ends(client)).isTrue();
    }

    @Test
    void aRefusedConnectionIsRetriedOnAnotherEndpoint() throws Exception {
        Backend backend = echo();
        closing.add(backend);
        int refusing = freePort();
        replica(Duration.ofSeconds(1));
        // round robin starts with the first endpoint, which refuses
        server.apply(TestReplicas.routes(tcpRoute("retried", tcpPort(), "", refusing, backend.port())), "test");

        for (int i = 0; i < 4; i++) {
            Socket client = connect(tcpPort());
            assertThat(exchange(client, "try " + i)).isEqualTo("try " + i);
        }
        String metrics = new String(server.scrapeMetrics(), StandardCharsets.UTF_8);
        assertThat(metrics).containsPattern("ballast_upstream_connect_errors_total\\{[^}]*route=\"retried\"");
    }

    @Test
    void aTcpRouteWithoutAListenerIsListedAsNoListenerAndTheOthersAreServed() throws Exception {
        Backend backend = echo();
        closing.add(backend);
        com.sun.net.httpserver.HttpServer web = TestReplicas.backend(exchange -> {
            byte[] body = "web".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        closing.add(() -> web.stop(0));
        int unlistened = freePort();
        replica(Duration.ofSeconds(1));
        server.apply(TestReplicas.routes(tcpRoute("orphan", unlistened, "", backend.port()) + "---\n"
                + tcpRoute("echo", tcpPort(), "", backend.port()) + "---\n" + httpRoute("web", web.getAddress().getPort())),
                "test");

        String config = get("http://127.0.0.1:" + server.adminAddress().getPort() + "/v1/docker-flow-proxy/config");
        assertThat(config).contains("\"conditions\":[{\"route\":\"orphan\",\"type\":\"NoListener\",\"port\":"
                + unlistened, "add --listen 0.0.0.0:" + unlistened + " and publish " + unlistened);
        assertThat(config).doesNotContain("\"route\":\"echo\",\"type\"");

        // a snapshot from elsewhere (not validated together) with two TCP routes on one port: the first by name wins
        server.apply(TestReplicas.routes(tcpRoute("echo", tcpPort(), "", backend.port()) + "---\n"
                + tcpRoute("second", tcpPort(), "", freePort()) + "---\n" + httpRoute("web", web.getAddress().getPort())),
                "test");
        config = get("http://127.0.0.1:" + server.adminAddress().getPort() + "/v1/docker-flow-proxy/config");
        assertThat(config).contains("{\"route\":\"second\",\"type\":\"PortConflict\",\"port\":" + tcpPort(),
                "claimed by TCP route \\\"echo\\\"");
        assertThat(exchange(connect(tcpPort()), "still served")).isEqualTo("still served");
        assertThat(get("http://127.0.0.1:" + server.trafficAddress().getPort() + "/")).isEqualTo("web");
    }

    @Test
    void anOpenConnectionSurvivesASnapshotChange() throws Exception {
        Backend backend = echo();
        Backend other = echo();
        closing.add(backend);
        closing.add(other);
        replica(Duration.ofSeconds(1));
        server.apply(TestReplicas.routes(tcpRoute("kept", tcpPort(), "", backend.port())), "test");
        Socket client = connect(tcpPort());
        assertThat(exchange(client, "before")).isEqualTo("before");

        // the route now sends new connections elsewhere, and another route appears
        server.apply(TestReplicas.routes(tcpRoute("kept", tcpPort(), "", other.port()) + "---\n"
                + httpRoute("web", other.port())), "test");
        Thread.sleep(1500); // past the drain time: the route is still there, so nothing is closed
        assertThat(exchange(client, "after")).isEqualTo("after");
        assertThat(backend.accepted).hasSize(1);
        assertThat(exchange(connect(tcpPort()), "new")).isEqualTo("new");
        assertThat(other.accepted).hasSize(1);
    }

    @Test
    void aRemovedRoutesConnectionsCloseAfterTheDrainTime() throws Exception {
        Backend backend = echo();
        closing.add(backend);
        replica(Duration.ofMillis(800));
        server.apply(TestReplicas.routes(tcpRoute("going", tcpPort(), "", backend.port())), "test");
        Socket client = connect(tcpPort());
        assertThat(exchange(client, "before")).isEqualTo("before");

        long removed = System.nanoTime();
        server.apply(TestReplicas.routes(httpRoute("web", backend.port())), "test");
        assertThat(exchange(client, "draining")).as("still relayed within the drain time").isEqualTo("draining");
        assertThat(ends(client)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - removed)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
    }

    @Test
    void aConnectionIdleForTheRulesTunnelTimeoutIsClosed() throws Exception {
        Backend backend = echo();
        closing.add(backend);
        replica(Duration.ofSeconds(1));
        server.apply(TestReplicas.routes(tcpRoute("idle", tcpPort(), ", timeouts: { tunnel: 300ms }",
                backend.port())), "test");
        Socket client = connect(tcpPort());
        assertThat(exchange(client, "ping")).isEqualTo("ping");
        long quiet = System.nanoTime();
        assertThat(ends(client)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - quiet)).isBetween(Duration.ofMillis(200), Duration.ofSeconds(5));
    }
}
