package dev.ballast.dist.e2e;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceSpec;
import dev.ballast.config.ControllerConfig;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.controller.Controller;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.dataplane.Replica;
import dev.ballast.dist.demo.WhoamiService;
import dev.ballast.sim.SwarmSim;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The whole system on loopback, as in production but in one JVM: swarm-sim (two nodes, overlay network
 * {@code proxy}), a controller that talks to it over TCP with docker-java, and dataplane replicas that pull from the
 * controller over HTTP. Services are created with docker-java, as a user's tooling would.
 */
final class SwarmSystem implements AutoCloseable {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    final SwarmSim sim;
    final String dockerHost;
    final DockerClient docker;
    private Controller controller;
    private int controllerPort;
    private final List<Replica> replicas = new ArrayList<>();

    SwarmSystem() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults().withNodes(2));
        dockerHost = sim.listen("127.0.0.1:0");
        sim.createNetwork("proxy", true);
        docker = DockerClients.connect(dockerHost, Duration.ofSeconds(10));
        startController();
    }

    /** Starts the controller (again, on the port it had, so replicas find it where they left it). */
    void startController() throws Exception {
        ControllerConfig config = new ControllerConfig(dockerHost, new HostPort("127.0.0.1", controllerPort),
                Optional.empty(), Optional.empty(), "com.df.notify", ",", false, Duration.ofSeconds(5),
                Duration.ofMillis(300), Duration.ofMillis(20), Duration.ofSeconds(10), Duration.ofSeconds(5),
                Duration.ofMinutes(1), 64, "docker-flow", Optional.empty(), Optional.empty(), Optional.empty());
        controller = Controller.start(config, Clock.systemUTC());
        controllerPort = controller.address().getPort();
    }

    void stopController() throws IOException {
        controller.close();
    }

    Controller controller() {
        return controller;
    }

    URI controllerUrl() {
        return URI.create("http://127.0.0.1:" + controllerPort);
    }

    /** A replica pulling from the controller, with its state in {@code stateDir} (null: none). */
    Replica startReplica(String id, Path stateDir) throws InterruptedException {
        DataplaneConfig config = new DataplaneConfig(List.of(controllerUrl()), Optional.empty(),
                List.of(new HostPort("127.0.0.1", 0)), new HostPort("127.0.0.1", 0), Optional.ofNullable(stateDir), id,
                Duration.ofSeconds(2), Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofSeconds(5), Duration.ofSeconds(15), 16 * 1024, Duration.ofSeconds(5), false, 2,
                Path.of("/run/secrets"), Optional.empty(), false, DataplaneConfig.Compression.OFF, Optional.empty(),
                DataplaneConfig.Tls.NONE, List.of(), Optional.empty(), true, Optional.empty(),
                DataplaneConfig.Limits.DEFAULT);
        Replica replica = Replica.start(config);
        replicas.add(replica);
        return replica;
    }

    void stopReplica(Replica replica) {
        replicas.remove(replica);
        replica.close();
    }

    /** A whoami service on the proxy network, with Docker Flow labels given as {@code key=value}. */
    String createService(String name, int replicas, String... labels) {
        Map<String, String> map = new HashMap<>();
        for (String label : labels) {
            String[] kv = label.split("=", 2);
            map.put(kv[0], kv[1]);
        }
        ServiceSpec spec = WhoamiService.spec(name, replicas, "proxy", map);
        return docker.createServiceCmd(spec).exec().getId();
    }

    void updateService(String name, Consumer<ServiceSpec> edit) {
        Service service = docker.inspectServiceCmd(name).exec();
        ServiceSpec spec = service.getSpec();
        edit.accept(spec);
        docker.updateServiceCmd(service.getId(), spec).withVersion(service.getVersion().getIndex()).exec();
    }

    void scale(String name, int replicas) {
        updateService(name, spec -> spec.withMode(WhoamiService.replicated(replicas)));
    }

    void removeService(String name) {
        docker.removeServiceCmd(name).exec();
    }

    /** GET on a replica's traffic listener. */
    static HttpResponse<String> get(Replica replica, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + replica.server().trafficAddress().getPort() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GET on a replica's admin listener. */
    static HttpResponse<String> admin(Replica replica, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + replica.server().adminAddress().getPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The whoami {@code Hostname:} of an answer (which task served it). */
    static String hostname(HttpResponse<String> response) {
        return response.body().lines().filter(l -> l.startsWith("Hostname: ")).findFirst()
                .map(l -> l.substring("Hostname: ".length())).orElse("");
    }

    @Override
    public void close() throws IOException {
        for (Replica replica : List.copyOf(replicas)) {
            replica.close();
        }
        try {
            controller.close();
        } finally {
            docker.close();
            sim.close();
        }
    }
}
