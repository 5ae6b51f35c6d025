package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.config.Cidr;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.proxyProtocol}: a TCP route's connections to its endpoint start with a PROXY protocol header naming the
 * client, v1 or v2, as HAProxy's {@code send-proxy} does; the client a trusted proxy's own header named is passed on.
 */
class ProxyProtocolToBackendsTest {

    /** The headers the backend read, as text (v1) or hex (v2), one per connection. */
    private final LinkedBlockingQueue<String> headers = new LinkedBlockingQueue<>();
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

    /** A backend that reads a PROXY header (v1 line or v2 block), records it, then echoes. */
    private TcpRoutesTest.Backend headerReadingEcho() throws IOException {
        TcpRoutesTest.Backend backend = new TcpRoutesTest.Backend(socket -> {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int first = in.read();
            if (first == 'P') {
                headers.add("P" + line(in));
            } else {
                byte[] fixed = new byte[16];
                fixed[0] = (byte) first;
                in.readFully(fixed, 1, 15);
                byte[] addresses = new byte[ByteBuffer.wrap(fixed, 14, 2).getShort() & 0xFFFF];
                in.readFully(addresses);
                headers.add(HexFormat.of().formatHex(fixed) + " " + HexFormat.of().formatHex(addresses));
            }
            in.transferTo(socket.getOutputStream());
        });
        closing.add(backend);
        return backend;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            out.write(b);
            if (b == '\n') {
                break;
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    private int start(List<Cidr> trusted, String version, int backendPort) throws Exception {
        DataplaneConfig config = TestReplicas.withListeners(TestReplicas.config(Duration.ofSeconds(20)), 1);
        server = new DataplaneServer(TestReplicas.withTls(config, DataplaneConfig.Tls.NONE, Path.of("/run/secrets"),
                trusted));
        server.start();
        int port = server.trafficAddresses().get(1).getPort();
        server.apply(TestReplicas.routes(TcpRoutesTest.tcpRoute("db", port, "", backendPort)
                .replace("  mode: TCP\n", "  mode: TCP\n  proxyProtocol: " + version + "\n")), "test");
        return port;
    }

    private Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        closing.add(socket);
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        return socket;
    }

    @Test
    void v1NamesTheClientAndTheListenerBeforeTheClientsBytes() throws Exception {
        TcpRoutesTest.Backend backend = headerReadingEcho();
        int port = start(List.of(), "v1", backend.port());

        Socket client = connect(port);
        assertThat(TcpRoutesTest.exchange(client, "hello")).isEqualTo("hello");
        assertThat(headers.poll(5, TimeUnit.SECONDS))
                .isEqualTo("PROXY TCP4 127.0.0.1 127.0.0.1 " + client.getLocalPort() + " " + port + "\r\n");
    }

    @Test
    void v2IsTheBinaryFormWithTheSameAddresses() throws Exception {
        TcpRoutesTest.Backend backend = headerReadingEcho();
        int port = start(List.of(), "v2", backend.port());

        Socket client = connect(port);
        assertThat(TcpRoutesTest.exchange(client, "hello")).isEqualTo("hello");
        String hex = headers.poll(5, TimeUnit.SECONDS);
        // signature, version 2 + PROXY, TCP over IPv4, 12 bytes of addresses
        assertThat(hex).startsWith("0d0a0d0a000d0a515549540a" + "21" + "11" + "000c ");
        assertThat(hex.substring(hex.indexOf(' ') + 1)).isEqualTo("7f000001" + "7f000001"
                + "%04x%04x".formatted(client.getLocalPort(), port));
    }

    @Test
    void theClientATrustedProxysHeaderNamedIsPassedOn() throws Exception {
        TcpRoutesTest.Backend backend = headerReadingEcho();
        int port = start(List.of(Cidr.parse("127.0.0.1/32")), "v1", backend.port());

        Socket client = connect(port);
        client.getOutputStream().write("PROXY TCP4 203.0.113.9 10.0.0.1 4567 5432\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(TcpRoutesTest.exchange(client, "hello")).isEqualTo("hello");
        assertThat(headers.poll(5, TimeUnit.SECONDS))
                .isEqualTo("PROXY TCP4 203.0.113.9 127.0.0.1 4567 " + port + "\r\n");
    }

    @Test
    void aBackendThatSpeaksFirstGetsTheHeaderWithoutWaitingForTheClient() throws Exception {
        TcpRoutesTest.Backend greeter = new TcpRoutesTest.Backend(socket -> {
            headers.add(line(socket.getInputStream()));
            socket.getOutputStream().write("220 ready\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.getInputStream().transferTo(socket.getOutputStream());
        });
        closing.add(greeter);
        int port = start(List.of(), "v1", greeter.port());

        Socket client = connect(port);
        byte[] greeting = new byte["220 ready\r\n".length()];
        new DataInputStream(client.getInputStream()).readFully(greeting);
        assertThat(new String(greeting, StandardCharsets.US_ASCII)).isEqualTo("220 ready\r\n");
        assertThat(headers.poll(5, TimeUnit.SECONDS)).startsWith("PROXY TCP4 127.0.0.1 ");
    }
}
