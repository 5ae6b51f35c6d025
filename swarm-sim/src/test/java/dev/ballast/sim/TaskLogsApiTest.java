package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code /services/{id}/logs}, {@code /tasks/{id}/logs} and {@code /containers/{id}/logs} over real sockets: the
 * engine's multiplexed frames, with the details and timestamps the docker CLI asks for, {@code tail}, following, and
 * the refusals of bad parameters.
 */
class TaskLogsApiTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    SwarmSim sim;
    EngineClient api;
    String base;

    /** One frame of a multiplexed stream: 1 stdout, 2 stderr. */
    record Frame(int stream, String text) {
    }

    @BeforeEach
    void start() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        String host = sim.listen("127.0.0.1:0");
        api = new EngineClient(host);
        base = host.replace("tcp://", "http://");
        sim.createNetwork("proxy", true);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private List<String> awaitRunning(String service, int count) {
        await().atMost(Duration.ofSeconds(5)).until(() -> api.runningAddresses(service).size() == count);
        try {
            return api.runningAddresses(service);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Frame readFrame(DataInputStream in) throws IOException {
        int stream = in.readUnsignedByte();
        assertThat(in.readUnsignedByte() | in.readUnsignedByte() | in.readUnsignedByte()).as("padding").isZero();
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        return new Frame(stream, new String(payload, StandardCharsets.UTF_8));
    }

    static List<Frame> frames(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body));
        List<Frame> out = new ArrayList<>();
        while (true) {
            try {
                out.add(readFrame(in));
            } catch (EOFException e) {
                return out;
            }
        }
    }

    HttpResponse<byte[]> logs(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aServicesLogsAreMultiplexedFramesCarryingEachTasksDetails() throws Exception {
        api.createWhoami("web", 2, "proxy", "");
        List<String> addresses = awaitRunning("web", 2);
        for (String address : addresses) {
            assertThat(EngineClient.fetch("http://" + address + ":8080/a?x=1").status()).isEqualTo(200);
        }
        JsonNode tasks = api.tasks("web");

        HttpResponse<byte[]> response = logs("/v1.47/services/web/logs?stdout=1&stderr=1&details=1");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/vnd.docker.multiplexed-stream");
        List<Frame> frames = frames(response.body());
        assertThat(frames).hasSize(4);
        for (JsonNode task : tasks) {
            String details = "com.docker.swarm.node.id=" + task.path("NodeID").asString()
                    + ",com.docker.swarm.service.id=" + task.path("ServiceID").asString()
                    + ",com.docker.swarm.task.id=" + task.path("ID").asString() + " ";
            assertThat(frames).contains(new Frame(2, details + "Starting up on port 8080\n"));
            assertThat(frames).anySatisfy(f -> {
                assertThat(f.stream()).isEqualTo(1);
                assertThat(f.text()).startsWith(details + "127.0.0.1:").endsWith(" \"GET /a?x=1 HTTP/1.1\" 200\n");
            });
        }

        assertThat(frames(logs("/services/web/logs?stdout=1&stderr=1&tail=1").body())).as("tail counts per task")
                .extracting(Frame::stream).containsExactly(1, 1);
        assertThat(frames(logs("/services/web/logs?stderr=1").body())).extracting(Frame::text)
                .containsExactly("Starting up on port 8080\n", "Starting up on port 8080\n");
        assertThat(frames(logs("/services/web/logs?stderr=1&timestamps=1&tail=2").body()).get(0).text())
                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z Starting up on port 8080\\n");
        long future = System.currentTimeMillis() / 1000 + 60;
        assertThat(frames(logs("/services/web/logs?stdout=1&stderr=1&since=" + future).body())).isEmpty();

        HttpResponse<byte[]> old = logs("/v1.41/services/web/logs?stderr=1");
        assertThat(old.headers().firstValue("Content-Type")).as("before API 1.42")
                .hasValue("application/vnd.docker.raw-stream");
        assertThat(frames(old.body())).hasSize(2);
    }

    @Test
    void followingStreamsNewLinesAndTheTasksStartedMeanwhile() throws Exception {
        String id = api.createWhoami("web", 1, "proxy", "");
        String address = awaitRunning("web", 1).get(0);
        HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(URI.create(base
                        + "/services/web/logs?stdout=1&stderr=1&follow=1&tail=all")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (DataInputStream in = new DataInputStream(response.body())) {
                while (true) {
                    received.add(readFrame(in));
                }
            } catch (IOException e) {
                // the stream was closed
            }
        });
        reader.start();
        try {
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(new Frame(2, "Starting up on port 8080\n"));
            EngineClient.fetch("http://" + address + ":8080/live");
            Frame live = received.poll(5, TimeUnit.SECONDS);
            assertThat(live).isNotNull();
            assertThat(live.text()).contains("\"GET /live HTTP/1.1\" 200");

            JsonNode service = api.get("/services/" + id).json();
            tools.jackson.databind.node.ObjectNode spec = (tools.jackson.databind.node.ObjectNode) service.get("Spec");
            ((tools.jackson.databind.node.ObjectNode) spec.at("/Mode/Replicated")).put("Replicas", 2);
            api.post("/services/" + id + "/update?version=" + service.at("/Version/Index").asLong(), spec.toString());
            assertThat(received.poll(5, TimeUnit.SECONDS)).as("the new task's first line")
                    .isEqualTo(new Frame(2, "Starting up on port 8080\n"));
        } finally {
            response.body().close();
            reader.join(5000);
        }
        assertThat(reader.isAlive()).isFalse();
    }

    @Test
    void badParametersAreRefusedNamingTheParameter() throws Exception {
        api.createWhoami("web", 1, "proxy", "");
        awaitRunning("web", 1);
        EngineClient.Reply noStream = api.get("/services/web/logs");
        assertThat(noStream.status()).isEqualTo(400);
        assertThat(noStream.message()).isEqualTo("Bad parameters: you must choose at least one stream");
        EngineClient.Reply tail = api.get("/services/web/logs?stdout=1&tail=ten");
        assertThat(tail.status()).isEqualTo(400);
        assertThat(tail.message()).startsWith("tail value must be a positive integer or \"all\"");
        EngineClient.Reply since = api.get("/services/web/logs?stdout=1&since=yesterday");
        assertThat(since.status()).isEqualTo(400);
        assertThat(since.message()).startsWith("invalid value for 'since': yesterday");
        assertThat(api.get("/services/nope/logs?stdout=1").status()).isEqualTo(404);
        assertThat(api.get("/tasks/nope/logs?stdout=1").status()).isEqualTo(404);
        EngineClient.Reply container = api.get("/containers/nope/logs?stdout=1");
        assertThat(container.status()).isEqualTo(404);
        assertThat(container.message()).isEqualTo("No such container: nope");
        assertThat(api.get("/services/web/logs?stdout=1").status()).as("the emulator still answers").isEqualTo(200);
    }

    @Test
    void aTaskAndItsContainerHaveTheSameLogAndItGoesWithTheService() throws Exception {
        String id = api.createWhoami("web", 1, "proxy", "");
        awaitRunning("web", 1);
        JsonNode task = api.tasks("web").get(0);
        String containerId = task.at("/Status/ContainerStatus/ContainerID").asString();

        assertThat(frames(logs("/tasks/" + task.path("ID").asString() + "/logs?stderr=1").body()))
                .containsExactly(new Frame(2, "Starting up on port 8080\n"));
        JsonNode container = api.get("/containers/" + containerId.substring(0, 12) + "/json").json();
        assertThat(container.path("Id").asString()).isEqualTo(containerId);
        assertThat(container.at("/Config/Tty").asBoolean(true)).isFalse();
        assertThat(container.at("/State/Status").asString()).isEqualTo("running");
        assertThat(container.path("Name").asString()).isEqualTo("/web.1." + task.path("ID").asString());
        assertThat(frames(logs("/containers/" + containerId + "/logs?stdout=1&stderr=1&details=1").body()))
                .as("a container's lines have no swarm details").containsExactly(new Frame(2,
                        " Starting up on port 8080\n"));

        assertThat(api.delete("/services/" + id).status()).isEqualTo(200);
        assertThat(sim.logs().ofService(id)).isEmpty();
    }

    @Test
    void aTtyServicesLogsAreARawStream() throws Exception {
        api.post("/services/create", "{\"Name\":\"tty\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":"
                + "\"traefik/whoami\",\"Args\":[\"--port\",\"8080\"],\"TTY\":true},\"Networks\":[{\"Target\":\"proxy\"}]}}");
        awaitRunning("tty", 1);
        HttpResponse<byte[]> response = logs("/services/tty/logs?stdout=1&stderr=1");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/vnd.docker.raw-stream");
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("Starting up on port 8080\n");
    }
}
