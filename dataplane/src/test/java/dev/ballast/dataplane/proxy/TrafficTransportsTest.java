package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import io.netty.channel.uring.IoUring;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both transports of proxied traffic carry HTTP and TCP routes: io_uring (the default, where the kernel offers it; the
 * rest of the suite runs on it) and epoll ({@code --io-uring false}, and where io_uring is unavailable).
 */
class TrafficTransportsTest {

    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();
    private DataplaneServer server;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(boolean ioUring) throws Exception {
        DataplaneConfig config = TestReplicas.withListeners(TestReplicas.config(Duration.ofSeconds(20)), 1);
        server = new DataplaneServer(ioUring ? config : TestReplicas.withEpoll(config));
        server.start();
    }

    @Test
    void onIoUring() throws Exception {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring is unavailable here: " + IoUring.unavailabilityCause());
        start(true);
        assertThat(server.trafficTransport()).isEqualTo("io_uring");
        httpRequestsAndTcpConnectionsAreRelayed();
    }

    @Test
    void onEpoll() throws Exception {
        start(false);
        assertThat(server.trafficTransport()).isEqualTo("epoll (--io-uring false)");
        httpRequestsAndTcpConnectionsAreRelayed();
    }

    private void httpRequestsAndTcpConnectionsAreRelayed() throws Exception {
        HttpServer http = TestReplicas.backend(exchange -> {
            byte[] body = ("hello " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        closing.add(() -> http.stop(0));
        TcpRoutesTest.Backend echo = TcpRoutesTest.echo();
        closing.add(echo);
        int tcpPort = server.trafficAddresses().get(1).getPort();
        server.apply(TestReplicas.routes(TcpRoutesTest.httpRoute("web", http.getAddress().getPort()) + "---\n"
                + TcpRoutesTest.tcpRoute("echo", tcpPort, "", echo.port())), "test");

        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.trafficAddress().getPort() + "/n/" + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).isEqualTo("hello /n/" + i);
        }

        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress("127.0.0.1", tcpPort));
            assertThat(TcpRoutesTest.exchange(socket, "ping")).isEqualTo("ping");
            byte[] big = new byte[4 * 1024 * 1024];
            new java.util.Random(7).nextBytes(big);
            Thread writer = new Thread(() -> {
                try {
                    socket.getOutputStream().write(big);
                    socket.shutdownOutput(); // half-close: the echo still comes back
                } catch (java.io.IOException ignored) {
                    // the read below fails too
                }
            });
            writer.start();
            InputStream in = socket.getInputStream();
            byte[] back = in.readNBytes(big.length);
            writer.join(10_000);
            assertThat(back).isEqualTo(big);
            assertThat(in.read()).as("the end passed on both ways").isEqualTo(-1);
        }
    }
}
