package dev.ballast.dataplane.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The timeout labels, each set to 1 s and walked through a running replica whose own timeouts are longer. */
class TimeoutLabelsWalkTest {

    private LabelWalk walk;

    @BeforeEach
    void start() throws Exception {
        walk = new LabelWalk(1);
    }

    @AfterEach
    void stop() {
        walk.close();
    }

    @Test
    @Walks("timeoutServer")
    void timeoutServerAnswers504WhenTheTaskIsSilent() throws Exception {
        walk.serve("servicePath=/", "port={port}", "timeoutServer=1");
        long start = System.nanoTime();
        assertThat(walk.send("GET", "/slow").status()).isEqualTo(504);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2900); // the task takes 3 s
    }

    @Test
    @Walks("timeoutClient")
    void timeoutClientAnswers408ToAClientThatStopsSendingItsBody() throws Exception {
        walk.serve("servicePath=/", "port={port}", "timeoutClient=1");
        try (Socket client = new Socket("127.0.0.1", walk.trafficPort())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: walk.example\r\nContent-Length: 100\r\n\r\n"
                    + "only some").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    @Walks("timeoutTunnel")
    void timeoutTunnelClosesASilentUpgradedConnection() throws Exception {
        try (ServerSocket upgrading = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Thread task = new Thread(() -> acceptOneUpgrade(upgrading));
            task.start();
            walk.serve("servicePath=/ws", "port=" + upgrading.getLocalPort(), "timeoutTunnel=1");
            try (Socket client = new Socket("127.0.0.1", walk.trafficPort())) {
                client.setSoTimeout(6000);
                client.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: walk.example\r\nConnection: Upgrade\r\n"
                        + "Upgrade: websocket\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                InputStream in = client.getInputStream();
                long start = System.nanoTime();
                String received;
                try {
                    received = new String(in.readAllBytes(), StandardCharsets.US_ASCII); // until the proxy closes
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("the silent tunnel was still open after 6 s", e);
                }
                assertThat(received).startsWith("HTTP/1.1 101");
                assertThat((System.nanoTime() - start) / 1_000_000).isBetween(500L, 4000L);
            }
            task.join(5000);
        }
    }

    /** Answers one upgrade with 101, then says nothing until the proxy closes the connection. */
    private static void acceptOneUpgrade(ServerSocket server) {
        try (Socket socket = server.accept()) {
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
            }
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.read(); // blocks until the proxy closes its side
        } catch (IOException ignored) {
            // the proxy closing the tunnel is what the test waits for
        }
    }
}
