package dev.ballast.controller;

import dev.ballast.config.ControllerConfig;
import dev.ballast.config.HostPort;
import dev.ballast.observability.telemetry.Telemetry;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import dev.ballast.sim.SwarmSim;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A swarm-sim, a controller talking to it over TCP, and an HTTP client that pulls like a replica. */
final class ControllerHarness implements AutoCloseable {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final SwarmSim sim;
    final String dockerHost;
    final Controller controller;
    final String base;

    ControllerHarness(Optional<Path> routesDir) throws Exception {
        this(SwarmSim.start(SwarmSim.Options.defaults()), routesDir, true);
    }

    ControllerHarness(SwarmSim sim, Optional<Path> routesDir, boolean createNetwork) throws Exception {
        this(sim, routesDir, createNetwork, Duration.ofMillis(800));
    }

    /** A controller whose telemetry is {@code telemetry} (spans kept in memory, say). */
    ControllerHarness(Telemetry telemetry) throws Exception {
        this(SwarmSim.start(SwarmSim.Options.defaults()), Optional.empty(), true, Duration.ofMillis(800), telemetry);
    }

    ControllerHarness(SwarmSim sim, Optional<Path> routesDir, boolean createNetwork, Duration resync)
            throws Exception {
        this(sim, routesDir, createNetwork, resync, null);
    }

    private ControllerHarness(SwarmSim sim, Optional<Path> routesDir, boolean createNetwork, Duration resync,
                              Telemetry telemetry) throws Exception {
        this.sim = sim;
        this.dockerHost = sim.listen("127.0.0.1:0");
        if (createNetwork) {
            sim.createNetwork("proxy", true);
        }
        this.controller = telemetry == null
                ? Controller.start(config(dockerHost, routesDir, resync), Clock.systemUTC())
                : Controller.start(config(dockerHost, routesDir, resync), Clock.systemUTC(), telemetry);
        this.base = "http://127.0.0.1:" + controller.address().getPort();
    }

    static ControllerConfig config(String dockerHost, Optional<Path> routesDir) {
        return config(dockerHost, routesDir, Duration.ofMillis(800));
    }

    static ControllerConfig config(String dockerHost, Optional<Path> routesDir, Duration resync) {
        return config(dockerHost, routesDir, resync, "docker-flow");
    }

    /** A controller's settings with {@code --instance-name instanceName}. */
    static ControllerConfig config(String dockerHost, Optional<Path> routesDir, Duration resync, String instanceName) {
        return new ControllerConfig(dockerHost, new HostPort("127.0.0.1", 0), routesDir, Optional.empty(),
                "com.df.notify", ",", false, resync, Duration.ofMillis(300), Duration.ofMillis(20),
                Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMinutes(1), 16, instanceName, Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /** Creates a whoami service on the proxy network (through the emulator's HTTP API, as docker would). */
    String createService(String name, int replicas, String... labels) throws IOException, InterruptedException {
        StringBuilder json = new StringBuilder("{\"Name\":\"" + name + "\",\"Labels\":{");
        for (int i = 0; i < labels.length; i++) {
            String[] kv = labels[i].split("=", 2);
            json.append(i == 0 ? "" : ",").append('"').append(kv[0]).append("\":\"").append(kv[1]).append('"');
        }
        json.append("},\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"traefik/whoami\",\"Args\":[\"--port\",\"8080\"]},"
                + "\"Networks\":[{\"Target\":\"proxy\"}]},\"Mode\":{\"Replicated\":{\"Replicas\":" + replicas + "}}}");
        JsonNode created = engine("POST", "/services/create", json.toString());
        return created.get("ID").asString();
    }

    /** Changes a service's spec: inspect, edit, update with the version. */
    void updateService(String name, java.util.function.Consumer<tools.jackson.databind.node.ObjectNode> edit)
            throws IOException, InterruptedException {
        JsonNode service = engine("GET", "/services/" + name, null);
        tools.jackson.databind.node.ObjectNode spec = (tools.jackson.databind.node.ObjectNode) service.get("Spec");
        edit.accept(spec);
        engine("POST", "/services/" + name + "/update?version=" + service.at("/Version/Index").asLong(), spec.toString());
    }

    void removeService(String name) throws IOException, InterruptedException {
        engine("DELETE", "/services/" + name, null);
    }

    JsonNode engine(String method, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(dockerHost.replace("tcp://", "http://") + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IOException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    /** One pull, as a replica at {@code version} (null: none) does it. */
    HttpResponse<String> pull(String replica, String version, String extra) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/snapshot?replica=" + replica + "&version="
                + (version == null ? "" : version) + (extra == null ? "" : "&" + extra))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The snapshot a replica with nothing gets. */
    Snapshot snapshot() throws IOException, InterruptedException {
        return RouteJson.read(pull("probe", null, "wait=1s").body(), SnapshotUpdate.class).applyTo(null);
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    HttpResponse<String> request(String method, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        try {
            controller.close();
        } finally {
            sim.close();
        }
    }
}
