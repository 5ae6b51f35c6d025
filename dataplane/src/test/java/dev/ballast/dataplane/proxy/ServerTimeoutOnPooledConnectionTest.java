package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An upstream silent for the server timeout on a pooled connection has answered (504): the request is not sent to it
 * again as if the connection had been stale, which would double both the client's wait and the upstream's load.
 */
class ServerTimeoutOnPooledConnectionTest {

    @Test
    void aSilentUpstreamGetsTheRequestOnceAndTheClient504InTime() throws Exception {
        AtomicInteger slowRequests = new AtomicInteger();
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/slow")) {
                slowRequests.incrementAndGet();
                try {
                    Thread.sleep(2500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, 2);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("ok".getBytes(StandardCharsets.US_ASCII));
            }
        });
        backend.setExecutor(Executors.newCachedThreadPool()); // the slow answer must not hold up the fast one
        backend.start();
        try (DataplaneServer replica = new DataplaneServer(TestReplicas.config(Duration.ofMillis(700)))) {
            replica.start();
            replica.apply(TestReplicas.route("r", "/", backend.getAddress().getPort()), "test");
            try (Socket client = new Socket("127.0.0.1", replica.trafficAddress().getPort())) {
                client.setSoTimeout(10_000);
                OutputStream out = client.getOutputStream();
                InputStream in = client.getInputStream();
                out.write("GET /fast HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readHead(in)).startsWith("HTTP/1.1 200"); // the upstream connection is pooled now
                in.readNBytes(2);
                long start = System.nanoTime();
                out.write("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readHead(in)).startsWith("HTTP/1.1 504");
                assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1400);
            }
            Thread.sleep(300);
            assertThat(slowRequests).hasValue(1);
        } finally {
            backend.stop(0);
        }
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
