package dev.ballast.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.certificates.TestCa;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.observability.testing.PrometheusText;
import dev.ballast.schema.Snapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SNI routes on a TLS listener, with TLS backends of their own on loopback (Netty servers holding certificates
 * Ballast does not have): a server name an SNI rule accepts, exactly or by wildcard, reaches its backend with the TLS
 * stream untouched (the client sees the backend's certificate and talks to it); any other name, or none, is
 * terminated by Ballast and routed as HTTP; a ClientHello over the size limit or never finished closes the connection.
 */
class SniPassthroughTest {

    @TempDir
    static Path dir;
    static TestCa ca;
    static SSLContext trustingCa;
    static EventLoopGroup backendLoop;
    static Channel backendA;
    static Channel backendB;
    static BigInteger serialA;
    static BigInteger serialB;
    static BigInteger ownSerial;
    static HttpServer httpBackend;
    static DataplaneServer server;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "Ballast Test CA");
        trustingCa = TlsTesting.trusting(ca.rootFile());
        backendLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        TestCa.Issued a = ca.issue("a.example.com");
        TestCa.Issued b = ca.issue("*.apps.example.com");
        serialA = TlsTesting.serialOf(a.certificatePem());
        serialB = TlsTesting.serialOf(b.certificatePem());
        backendA = tlsLineServer(a, "A");
        backendB = tlsLineServer(b, "B");

        Path certs = Files.createDirectories(dir.resolve("certs"));
        ownSerial = TlsTesting.serialOf(Files.readString(ca.issue("ballast.example.com").writePem(certs, "own")));
        httpBackend = TlsTesting.echoBackend();
        server = TlsTesting.replica(certs, "own.pem", Files.createDirectories(dir.resolve("secrets")), List.of(),
                Snapshot.of(List.of(), List.of()));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        if (httpBackend != null) {
            httpBackend.stop(0);
        }
        if (backendLoop != null) {
            backendLoop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @BeforeEach
    void routes() {
        server.apply(routes(true), "test");
    }

    /** The SNI routes on the TLS listener's port (with {@code withA}, a.example.com's too), and an HTTP route. */
    private static Snapshot routes(boolean withA) {
        int port = TlsTesting.tlsPort(server);
        String a = """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: passthrough-a }
                spec:
                  mode: SNI
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ srcPort: %d, hosts: [a.example.com] }]
                ---
                """.formatted(((InetSocketAddress) backendA.localAddress()).getPort(), port);
        return TestReplicas.routes((withA ? a : "") + """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: passthrough-b }
                spec:
                  mode: SNI
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ srcPort: %d, hosts: ["*.apps.example.com"] }]
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: echo }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [/] }] }
                """.formatted(((InetSocketAddress) backendB.localAddress()).getPort(), port,
                httpBackend.getAddress().getPort()));
    }

    /** A TLS server answering each line {@code L} with {@code NAME:L}, with the certificate of {@code issued}. */
    private static Channel tlsLineServer(TestCa.Issued issued, String name) throws Exception {
        SslContext context = SslContextBuilder.forServer(stream(issued.certificatePem()), stream(issued.keyPem()))
                .sslProvider(SslProvider.JDK).build();
        return new ServerBootstrap().group(backendLoop).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(context.newHandler(ch.alloc()), new LineBasedFrameDecoder(1024),
                                new StringDecoder(StandardCharsets.UTF_8), new StringEncoder(StandardCharsets.UTF_8),
                                new SimpleChannelInboundHandler<String>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, String line) {
                                        ctx.writeAndFlush(name + ":" + line + "\n");
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    private static String lineExchange(SSLSocket socket, String line) throws Exception {
        socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    private static BigInteger serialServed(SSLSocket socket) throws Exception {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    @Test
    void aServerNameOfAnSniRuleReachesItsBackendUntouched() throws Exception {
        double before = PrometheusText.sum(TlsTesting.metrics(server), "ballast_tcp_connections_total",
                Map.of("http_route", "passthrough-a"));
        try (SSLSocket socket = TlsTesting.connect(trustingCa, TlsTesting.tlsPort(server), "a.example.com")) {
            assertThat(serialServed(socket)).as("the backend's own certificate").isEqualTo(serialA);
            assertThat(lineExchange(socket, "ping")).isEqualTo("A:ping");
        }
        assertThat(PrometheusText.sum(TlsTesting.metrics(server), "ballast_tcp_connections_total",
                Map.of("http_route", "passthrough-a"))).isEqualTo(before + 1);
    }

    @Test
    void aWildcardHostMatchesOneLabelOrMoreAndAnyCase() throws Exception {
        for (String name : List.of("x.apps.example.com", "Deep.X.Apps.Example.com")) {
            try (SSLSocket socket = TlsTesting.connect(TlsTesting.trustingAnything(), TlsTesting.tlsPort(server),
                    name)) {
                assertThat(serialServed(socket)).as(name).isEqualTo(serialB);
                assertThat(lineExchange(socket, name)).isEqualTo("B:" + name);
            }
        }
    }

    @Test
    void anyOtherServerNameOrNoneIsTerminatedHereAndRoutedAsHttp() throws Exception {
        for (String name : new String[] {"ballast.example.com", "apps.example.com", null}) {
            try (SSLSocket socket = TlsTesting.connect(TlsTesting.trustingAnything(), TlsTesting.tlsPort(server),
                    name)) {
                assertThat(serialServed(socket)).as("Ballast's own certificate for %s", name).isEqualTo(ownSerial);
                TlsTesting.Response response = TlsTesting.exchange(socket, TlsTesting.get("/over-tls", "localhost"));
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.body()).startsWith("GET /over-tls");
            }
        }
    }

    @Test
    void plainHttpOnAnSniPortIsStillRefusedClearly() throws Exception {
        String answer = TlsTesting.rawExchange(TlsTesting.tlsPort(server),
                "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 400 ").contains("HTTPS");
    }

    @Test
    void aRemovedSniRouteFallsThroughForNewConnectionsAndItsOpenOnesCloseAfterTheDrainTime() throws Exception {
        try (SSLSocket open = TlsTesting.connect(trustingCa, TlsTesting.tlsPort(server), "a.example.com")) {
            assertThat(lineExchange(open, "before")).isEqualTo("A:before");
            server.apply(routes(false), "test");

            try (SSLSocket fresh = TlsTesting.connect(TlsTesting.trustingAnything(), TlsTesting.tlsPort(server),
                    "a.example.com")) {
                assertThat(serialServed(fresh)).as("terminated by Ballast now").isEqualTo(ownSerial);
            }
            assertThat(lineExchange(open, "during the drain time")).isEqualTo("A:during the drain time");
            open.setSoTimeout(10_000);
            await().atMost(Duration.ofSeconds(10)).until(() -> closedByPeer(open));
        }
    }

    private static boolean closedByPeer(SSLSocket socket) {
        try {
            return socket.getInputStream().read() < 0;
        } catch (java.io.IOException e) {
            return true; // a reset, or an alert-less close the TLS layer reports as an error
        }
    }

    @Test
    void aClientHelloOverTheSizeLimitClosesTheConnection() throws Exception {
        // a handshake record announcing a ClientHello of 20,000 bytes, over the 16 KiB limit
        byte[] record = new byte[5 + 16];
        byte[] head = {0x16, 0x03, 0x01, 0x00, 0x10, 0x01, 0x00, 0x4E, 0x20};
        System.arraycopy(head, 0, record, 0, head.length);
        assertThat(closedAfterSending(record, Duration.ofSeconds(3))).isTrue();
        assertThat(stillServing()).isTrue();
    }

    @Test
    void aClientHelloNotCompleteWithinTheHandshakeTimeoutClosesTheConnection() throws Exception {
        long started = System.nanoTime();
        // the start of a handshake record, and nothing more (the replica's handshake timeout is 5 s)
        assertThat(closedAfterSending(new byte[] {0x16, 0x03, 0x01}, Duration.ofSeconds(15))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
        assertThat(stillServing()).isTrue();
    }

    /** Whether the replica closed the connection (no byte back) within {@code within} of the bytes sent. */
    private static boolean closedAfterSending(byte[] bytes, Duration within) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", TlsTesting.tlsPort(server))) {
            socket.setSoTimeout((int) within.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            try {
                return socket.getInputStream().read() < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (java.io.IOException e) {
                return true; // reset
            }
        }
    }

    private static boolean stillServing() throws Exception {
        try (SSLSocket socket = TlsTesting.connect(trustingCa, TlsTesting.tlsPort(server), "a.example.com")) {
            return lineExchange(socket, "again").equals("A:again");
        }
    }
}
