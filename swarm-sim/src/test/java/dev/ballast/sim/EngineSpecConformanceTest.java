package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The emulator's JSON validates against the definitions of the Engine API spec, {@code docker-engine-api.yaml}
 * (kept beside the repository in {@code shared/reference}, not copied into it; set {@code -Dballast.engineSpec=FILE}
 * to use another copy). Without the file the test is skipped, saying why.
 */
class EngineSpecConformanceTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static SwarmSim sim;
    static String base;
    static JsonNode definitions;

    @BeforeAll
    static void start() throws Exception {
        Path spec = Path.of(System.getProperty("ballast.engineSpec",
                Path.of("..", "..", "shared", "reference", "docker-engine-api.yaml").toString()));
        assumeTrue(Files.isRegularFile(spec), "Engine API spec not found at " + spec.toAbsolutePath()
                + "; the conformance check is skipped (set -Dballast.engineSpec=FILE to run it)");
        definitions = YAMLMapper.builder().build().readTree(spec.toFile()).get("definitions");
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        base = sim.listen("127.0.0.1:0").replace("tcp://", "http://");
        sim.createNetwork("proxy", true);
        post("/v1.47/services/create", "{\"Name\":\"web\",\"Labels\":{\"com.df.notify\":\"true\"},"
                + "\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"traefik/whoami\",\"Args\":[\"--port\",\"8081\"]},"
                + "\"Networks\":[{\"Target\":\"proxy\"}]},\"Mode\":{\"Replicated\":{\"Replicas\":2}},"
                + "\"EndpointSpec\":{\"Ports\":[{\"TargetPort\":8081}]}}");
        post("/v1.47/secrets/create", "{\"Name\":\"ballast_token\",\"Labels\":{\"env\":\"test\"},"
                + "\"Data\":\"c2VjcmV0\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            JsonNode tasks = get("/tasks");
            return tasks.size() == 2 && tasks.findValuesAsString("State").stream().allMatch("running"::equals);
        });
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private static Schema schemaFor(String definition) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$ref", "#/definitions/" + definition);
        root.set("definitions", definitions);
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(root);
    }

    private static void assertConforms(String definition, JsonNode value) {
        List<String> errors = new ArrayList<>();
        for (Error e : schemaFor(definition).validate(value)) {
            errors.add(e.getInstanceLocation() + ": " + e.getMessage());
        }
        assertThat(errors).as(definition + " " + value).isEmpty();
    }

    @Test
    void serviceTaskNetworkAndNodeObjects() throws Exception {
        JsonNode services = get("/services?status=true");
        assertThat(services.size()).isEqualTo(1);
        services.forEach(s -> assertConforms("Service", s));
        JsonNode tasks = get("/tasks");
        tasks.forEach(t -> assertConforms("Task", t));
        assertThat(tasks.get(0).path("NetworksAttachments").size()).isEqualTo(1);
        JsonNode networks = get("/networks");
        assertThat(networks.size()).isGreaterThanOrEqualTo(5);
        networks.forEach(n -> assertConforms("NetworkSummary", n));
        get("/nodes").forEach(n -> assertConforms("Node", n));
        String container = tasks.get(0).at("/Status/ContainerStatus/ContainerID").asString();
        assertConforms("ContainerInspectResponse", get("/containers/" + container + "/json"));
    }

    @Test
    void secrets() throws Exception {
        JsonNode secrets = get("/secrets");
        assertThat(secrets.size()).isEqualTo(1);
        assertConforms("Secret", secrets.get(0));
        assertConforms("Secret", get("/secrets/ballast_token"));
    }

    @Test
    void systemObjects() throws Exception {
        assertConforms("SystemInfo", get("/info"));
        assertConforms("SystemVersion", get("/version"));
        assertConforms("Swarm", get("/swarm"));
    }

    @Test
    void events() throws Exception {
        long now = System.currentTimeMillis() / 1000 + 1;
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/events?since=0&until=" + now)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        List<String> lines = body.lines().toList();
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            assertConforms("EventMessage", JSON.readTree(line));
        }
    }

    static JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    static void post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(201);
    }
}
