package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upgraded connections through the proxy: the JDK's WebSocket client, Ballast, and a Netty WebSocket echo server, all
 * on loopback; and per-rule timeouts.
 */
class UpgradeAndTimeoutsTest {

    static final int LARGE = 256 << 20;
    static EventLoopGroup backendLoop = new NioEventLoopGroup(1);
    static Channel echo;
    static HttpServer plain;
    static HttpServer slow;
    static DataplaneServer server;
    static String base;
    static final AtomicReference<String> upgradedPath = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        echo = new ServerBootstrap().group(backendLoop).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16),
                                new WebSocketServerProtocolHandler("/renamed/ws", null, false, 4 << 20),
                                new SimpleChannelInboundHandler<WebSocketFrame>() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
                                            upgradedPath.set(done.requestUri());
                                        }
                                    }

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
                                        ctx.writeAndFlush(frame.retainedDuplicate());
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        plain = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        plain.createContext("/impatient/large", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0); // chunked, and far more than socket buffers hold
            byte[] chunk = new byte[64 * 1024];
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < LARGE / chunk.length; i++) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // the proxy hung up: expected when its client stalls
            }
        });
        plain.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("plain, upgrade=" + exchange.getRequestHeaders().getFirst("Upgrade")).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        plain.start();
        slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.createContext("/", exchange -> {
            try {
                Thread.sleep(1200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        slow.start();
        int wsPort = ((InetSocketAddress) echo.localAddress()).getPort();
        String routes = """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: ws }
                spec:
                  endpoints: [{ address: "127.0.0.1:%1$d" }]
                  rules: [{ paths: [/ws/], rewrite: [{ search: "^/ws/", replace: /renamed/ }] }]
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: quiet-ws }
                spec:
                  endpoints: [{ address: "127.0.0.1:%1$d" }]
                  rules: [{ paths: [/quiet/], rewrite: [{ search: "^/quiet/", replace: /renamed/ }], timeouts: { tunnel: 400ms } }]
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: plain }
                spec: { endpoints: [{ address: "127.0.0.1:%2$d" }], rules: [{ paths: [/plain/] }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: impatient }
                spec: { endpoints: [{ address: "127.0.0.1:%2$d" }], rules: [{ paths: [/impatient/], timeouts: { client: 500ms, server: 5s } }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: slow-default }
                spec: { endpoints: [{ address: "127.0.0.1:%3$d" }], rules: [{ paths: [/slow/] }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: slow-patient }
                spec: { endpoints: [{ address: "127.0.0.1:%3$d" }], rules: [{ paths: [/patient/], timeouts: { server: 5s } }] }
                """.formatted(wsPort, plain.getAddress().getPort(), slow.getAddress().getPort());
        // server timeout 500 ms, tunnel timeout 1 h
        server = new DataplaneServer(TestReplicas.config(Duration.ofMillis(500), Duration.ofSeconds(5)));
        server.start();
        server.apply(TestReplicas.routes(routes), "test");
        base = "127.0.0.1:" + server.trafficAddress().getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        plain.stop(0);
        slow.stop(0);
        echo.close().sync();
        backendLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Collects what a WebSocket receives: whole messages as text or bytes, and how it ended. */
    static final class Collector implements WebSocket.Listener {
        final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.write(bytes, 0, bytes.length);
            if (last) {
                messages.add(binary.toByteArray());
                binary = new java.io.ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete("close " + status);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete("error " + error);
        }
    }

    static WebSocket open(String path, Collector collector) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://" + base + path), collector).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aWebSocketIsTunnelledBothWaysWithTheRewrittenPath() throws Exception {
        Collector collector = new Collector();
        upgradedPath.set(null);
        WebSocket ws = open("/ws/ws", collector);
        // the backend records the path once its 101 has been written, which may be after the client has it
        await().atMost(Duration.ofSeconds(5)).until(() -> upgradedPath.get() != null);
        assertThat(upgradedPath.get()).isEqualTo("/renamed/ws");
        ws.sendText("hello through ballast", true).get(5, TimeUnit.SECONDS);
        assertThat(collector.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("hello through ballast");
        byte[] large = new byte[3 << 20]; // larger than any buffer on the way: relayed with backpressure
        new Random(1).nextBytes(large);
        ws.sendBinary(ByteBuffer.wrap(large), true).get(10, TimeUnit.SECONDS);
        assertThat((byte[]) collector.messages.poll(10, TimeUnit.SECONDS)).isEqualTo(large);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        assertThat(collector.closed.get(5, TimeUnit.SECONDS)).isEqualTo("close 1000");
    }

    @Test
    void aSilentTunnelIsClosedAfterTheRulesTunnelTimeout() throws Exception {
        Collector collector = new Collector();
        WebSocket ws = open("/quiet/ws", collector);
        ws.sendText("still here", true).get(5, TimeUnit.SECONDS);
        assertThat(collector.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("still here");
        long start = System.nanoTime();
        String end = collector.closed.get(5, TimeUnit.SECONDS);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(end).isEqualTo("close 1006"); // abnormal closure: cut by the proxy, no close frame from either end
        assertThat(waited).isBetween(300L, 3000L);
    }

    @Test
    void anUpstreamThatDoesNotSwitchAnswersAsUsualAndTheConnectionStaysHttp() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.trafficAddress().getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("GET /plain/a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String first = readResponse(in);
            assertThat(first).startsWith("HTTP/1.1 200").contains("plain, upgrade=websocket");
            out.write("GET /plain/b HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("plain, upgrade=null");
        }
    }

    @Test
    void aRuleCanGiveItsUpstreamMoreTimeThanTheDefault() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var impatient = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://" + base + "/slow/"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(impatient.statusCode()).isEqualTo(504);
        assertThat(impatient.body()).contains("route slow-default", "did not answer within 500 ms");
        var patient = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://" + base + "/patient/"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(patient.statusCode()).isEqualTo(200);
        assertThat(patient.body()).isEqualTo("ok");
    }

    @Test
    void aClientThatStopsSendingItsBodyGets408AfterTheClientTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.trafficAddress().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("POST /impatient/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
                    + "only ten b").getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            String response = readResponse(socket.getInputStream());
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(response).startsWith("HTTP/1.1 408")
                    .contains("route impatient: the client sent no more of its request within 500 ms");
            assertThat(waited).isBetween(400L, 3000L);
            assertThat(socket.getInputStream().read()).isEqualTo(-1); // and the connection is closed
        }
        // the same stall on a rule without timeouts.client is still waited for (--timeout-client is 20 s here)
        try (Socket socket = new Socket("127.0.0.1", server.trafficAddress().getPort())) {
            socket.setSoTimeout(1500);
            socket.getOutputStream().write(("POST /plain/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
                    + "only ten b").getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    @Test
    void aClientThatStopsReadingTheResponseIsDisconnectedAfterTheClientTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.trafficAddress().getPort())) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.getOutputStream().write("GET /impatient/large HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(2500); // read nothing: buffers fill, the proxy waits on us, then gives up
            socket.setSoTimeout(5000);
            long received = 0;
            try (InputStream in = socket.getInputStream()) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received += n;
                }
            } catch (java.net.SocketException reset) {
                // closed with unread data: also a disconnection
            }
            assertThat(received).isLessThan(LARGE);
        }
    }

    /** One response with a Content-Length body, read off a raw socket. */
    static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

}
