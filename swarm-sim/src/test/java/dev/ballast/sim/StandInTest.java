package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Images the emulator cannot run get a stand-in: an HTTP server on the port the service's {@code com.df.port} names
 * (or the image's usual one), saying what it stands in for, echoing WebSocket messages, and logging its requests.
 */
class StandInTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    SwarmSim sim;
    EngineClient api;

    @BeforeEach
    void start() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        api = new EngineClient(sim.listen("127.0.0.1:0"));
        sim.createNetwork("proxy", true);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private void create(String name, String image, String labels) throws Exception {
        EngineClient.Reply reply = api.post("/services/create", "{\"Name\":\"" + name + "\",\"Labels\":{" + labels
                + "},\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"" + image + "\"},"
                + "\"Networks\":[{\"Target\":\"proxy\"}]}}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    }

    private String awaitAddress(String service) {
        await().atMost(Duration.ofSeconds(5)).until(() -> api.runningAddresses(service).size() == 1);
        try {
            return api.runningAddresses(service).get(0);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String log(String service) throws Exception {
        return new String(HTTP.send(HttpRequest.newBuilder(URI.create(api.base() + "/services/" + service
                + "/logs?stdout=1&stderr=1")).build(), HttpResponse.BodyHandlers.ofByteArray()).body(),
                StandardCharsets.UTF_8);
    }

    @Test
    void answersOnTheLabelledPortSayingWhatItStandsInFor() throws Exception {
        create("vote", "sebmoule/vote_vote", "\"com.df.notify\":\"true\",\"com.df.port\":\"8080\"");
        String address = awaitAddress("vote");
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address
                + ":8080/some/path?x=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Swarm-Sim-Stand-In")).hasValue("sebmoule/vote_vote");
        List<String> lines = response.body().lines().toList();
        assertThat(lines.get(0)).isEqualTo("Emulated by swarm-sim: a stand-in for the image sebmoule/vote_vote, "
                + "which does not run here.");
        assertThat(lines).contains("Image: sebmoule/vote_vote", "Request: GET /some/path?x=1 HTTP/1.1");
        assertThat(lines).anyMatch(l -> l.matches("Hostname: [0-9a-f]{12}"));
        assertThat(log("vote")).contains("swarm-sim: emulated sebmoule/vote_vote (a stand-in, not the image): "
                + "HTTP and WebSocket echo on port 8080 (the service's com.df.port label)",
                "\"GET /some/path?x=1 HTTP/1.1\" 200");
    }

    @Test
    void echoesWebSocketMessages() throws Exception {
        create("result", "sebmoule/vote_result", "\"com.df.port\":\"8080\"");
        String address = awaitAddress("result");
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        WebSocket socket = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://" + address + ":8080/socket.io/"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        received.add("text:" + data);
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                        received.add("binary:" + StandardCharsets.UTF_8.decode(data));
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
                        received.add("pong:" + StandardCharsets.UTF_8.decode(message));
                        ws.request(1);
                        return null;
                    }
                }).get(15, TimeUnit.SECONDS); // the JDK's first WebSocket has much to load on a busy machine
        socket.sendText("hello", true).get(5, TimeUnit.SECONDS);
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("text:hello");
        socket.sendBinary(ByteBuffer.wrap("bytes".getBytes(StandardCharsets.UTF_8)), true).get(5, TimeUnit.SECONDS);
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("binary:bytes");
        socket.sendPing(ByteBuffer.wrap("p".getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("pong:p");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(socket::isInputClosed);
        assertThat(log("result")).contains("\"GET /socket.io/ HTTP/1.1\" 101 (WebSocket echo)");
    }

    @Test
    void aBadHandshakeIsRefusedAndTheServerGoesOn() throws Exception {
        create("result", "sebmoule/vote_result", "\"com.df.port\":\"8080\"");
        String address = awaitAddress("result");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, 8080), 5000);
            socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400 ").contains("bad WebSocket handshake");
        }
        assertThat(EngineClient.fetch("http://" + address + ":8080/").status()).isEqualTo(200);
    }

    @Test
    void usesTheImagesUsualPortOrServesNothingAndReportsLabelsThatAreNoPort() throws Exception {
        create("redis", "redis:alpine", "");
        String redis = awaitAddress("redis");
        assertThat(EngineClient.fetch("http://" + redis + ":6379/").body()).contains("stand-in for the image redis");

        create("worker", "sebmoule/vote_worker", "\"com.df.notify\":\"false\"");
        String worker = awaitAddress("worker");
        assertThat(log("worker")).contains("serves nothing (no com.df.port label, and no port known for the image)");
        assertThatThrownBy(() -> EngineClient.fetch("http://" + worker + ":80/")).isInstanceOf(IOException.class);

        create("app", "example/app", "\"com.df.port\":\"eighty\",\"com.df.port.1\":\"8081\"");
        String app = awaitAddress("app");
        assertThat(EngineClient.fetch("http://" + app + ":8081/").status()).isEqualTo(200);
        assertThat(log("app")).contains("swarm-sim: com.df.port: \"eighty\" is not a port (1-65535)");
    }

    @Test
    void whoamiImagesAreUntouched() throws Exception {
        api.post("/services/create", "{\"Name\":\"who\",\"Labels\":{\"com.df.port\":\"8080\"},\"TaskTemplate\":"
                + "{\"ContainerSpec\":{\"Image\":\"traefik/whoami\",\"Args\":[\"--port\",\"8082\"]},"
                + "\"Networks\":[{\"Target\":\"proxy\"}]}}");
        String address = awaitAddress("who");
        assertThat(EngineClient.fetch("http://" + address + ":8082/").body()).startsWith("Hostname: ")
                .doesNotContain("swarm-sim");
        assertThatThrownBy(() -> EngineClient.fetch("http://" + address + ":8080/"))
                .as("whoami serves its own port, not the label's").isInstanceOf(IOException.class);
    }
}
