package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.LocalNodeState;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.TaskState;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real docker-java (httpclient5 transport) against the emulator, over TCP and over a unix socket. */
class DockerJavaTest {

    @TempDir
    static Path dir;

    static SwarmSim sim;
    static String tcp;
    static String unix;

    @BeforeAll
    static void start() throws InterruptedException {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        tcp = sim.listen("127.0.0.1:0");
        unix = sim.listen("unix://" + dir.resolve("docker.sock"));
        sim.createNetwork("proxy", true);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static DockerClient client(String host) {
        return client(host, null);
    }

    static DockerClient client(String host, String apiVersion) {
        DefaultDockerClientConfig.Builder config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).withDockerTlsVerify(false);
        if (apiVersion != null) {
            config.withApiVersion(apiVersion);
        }
        DefaultDockerClientConfig built = config.build();
        return DockerClientImpl.getInstance(built, new ApacheDockerHttpClient.Builder()
                .dockerHost(built.getDockerHost()).connectionTimeout(Duration.ofSeconds(5)).build());
    }

    private static ServiceSpec whoami(String name, int replicas, Map<String, String> labels) {
        return new ServiceSpec().withName(name).withLabels(labels)
                .withTaskTemplate(new TaskSpec()
                        .withContainerSpec(new ContainerSpec().withImage("traefik/whoami").withArgs(List.of("--port", "8080")))
                        .withNetworks(List.of(new NetworkAttachmentConfig().withTarget("proxy"))))
                .withMode(new ServiceModeConfig().withReplicated(new ServiceReplicatedModeOptions().withReplicas(replicas)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void systemEndpoints(String transport) throws IOException {
        try (DockerClient docker = client(transport.equals("tcp") ? tcp : unix)) {
            docker.pingCmd().exec();
            Info info = docker.infoCmd().exec();
            assertThat(info.getSwarm().getLocalNodeState()).isEqualTo(LocalNodeState.ACTIVE);
            assertThat(info.getSwarm().getControlAvailable()).isTrue();
            assertThat(info.getSwarm().getNodes()).isEqualTo(2);
            assertThat(docker.versionCmd().exec().getApiVersion()).isEqualTo("1.47");
            List<SwarmNode> nodes = docker.listSwarmNodesCmd().exec();
            assertThat(nodes).hasSize(2);
            assertThat(nodes).filteredOn(n -> n.getManagerStatus().isLeader()).hasSize(1);
            assertThat(docker.inspectSwarmCmd().exec().getId()).isNotBlank();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void serviceLifeCycle(String transport) throws IOException {
        String name = "life-" + transport;
        try (DockerClient docker = client(transport.equals("tcp") ? tcp : unix)) {
            String id = docker.createServiceCmd(whoami(name, 2, Map.of("com.df.notify", "true"))).exec().getId();
            assertThat(id).hasSize(25);

            Service byName = docker.inspectServiceCmd(name).exec();
            assertThat(byName.getId()).isEqualTo(id);
            assertThat(docker.inspectServiceCmd(id.substring(0, 6)).exec().getSpec().getName()).isEqualTo(name);
            assertThat(byName.getSpec().getTaskTemplate().getNetworks().get(0).getTarget())
                    .as("network names are resolved to IDs").isNotEqualTo("proxy").hasSize(25);
            assertThat(byName.getEndpoint().getVirtualIPs()).hasSize(1);

            assertThat(docker.listServicesCmd().withNameFilter(List.of(name)).exec()).extracting(Service::getId)
                    .containsExactly(id);
            assertThat(docker.listServicesCmd().withLabelFilter(Map.of("com.df.notify", "true")).exec())
                    .extracting(Service::getId).contains(id);
            assertThat(docker.listServicesCmd().withLabelFilter(Map.of("com.df.notify", "false")).exec())
                    .extracting(Service::getId).doesNotContain(id);

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(runningTasks(docker, name)).hasSize(2));
            Task task = runningTasks(docker, name).get(0);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> attachments = (List<Map<String, Object>>) task.getRawValues().get("NetworksAttachments");
            @SuppressWarnings("unchecked")
            List<String> addresses = (List<String>) attachments.get(0).get("Addresses");
            assertThat(addresses.get(0)).matches("127\\.\\d+\\.\\d+\\.\\d+/24");

            long version = byName.getVersion().getIndex();
            ServiceSpec scaled = whoami(name, 3, Map.of("com.df.notify", "true", "extra", "x"));
            docker.updateServiceCmd(id, scaled).withVersion(version).exec();
            assertThat(docker.inspectServiceCmd(id).exec().getVersion().getIndex()).isGreaterThan(version);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(runningTasks(docker, name)).hasSize(3));

            assertThatThrownBy(() -> docker.updateServiceCmd(id, scaled).withVersion(version).exec())
                    .isInstanceOf(InternalServerErrorException.class)
                    .hasMessageContaining("rpc error: code = Unknown desc = update out of sequence");
            assertThatThrownBy(() -> docker.createServiceCmd(whoami(name, 1, Map.of())).exec())
                    .isInstanceOf(ConflictException.class).hasMessageContaining("already exists");

            docker.removeServiceCmd(id).exec();
            assertThatThrownBy(() -> docker.inspectServiceCmd(id).exec())
                    .isInstanceOf(NotFoundException.class).hasMessageContaining("service " + id + " not found");
            assertThat(docker.listTasksCmd().exec()).noneMatch(t -> t.getServiceId().equals(id));
        }
    }

    private static List<Task> runningTasks(DockerClient docker, String service) {
        return docker.listTasksCmd().withServiceFilter(service).withStateFilter(TaskState.RUNNING).exec().stream()
                .filter(t -> t.getStatus().getState() == TaskState.RUNNING).toList();
    }

    @Test
    void eventsStreamServiceChanges() throws Exception {
        List<Event> events = new CopyOnWriteArrayList<>();
        try (DockerClient docker = client(tcp);
             ResultCallback.Adapter<Event> stream = docker.eventsCmd()
                     .withEventTypeFilter(EventType.SERVICE).exec(new ResultCallback.Adapter<>() {
                         @Override
                         public void onNext(Event event) {
                             events.add(event);
                         }
                     })) {
            assertThat(stream).isNotNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> sim.openEventStreams() > 0);
            String id = docker.createServiceCmd(whoami("evented", 1, Map.of())).exec().getId();
            Service service = docker.inspectServiceCmd(id).exec();
            docker.updateServiceCmd(id, whoami("evented", 2, Map.of())).withVersion(service.getVersion().getIndex()).exec();
            docker.removeServiceCmd(id).exec();
            await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= 3);
            assertThat(events).extracting(Event::getAction).containsExactly("create", "update", "remove");
            assertThat(events).allSatisfy(e -> {
                assertThat(e.getType()).isEqualTo(EventType.SERVICE);
                assertThat(e.getActor().getId()).isEqualTo(id);
                assertThat(e.getActor().getAttributes()).containsEntry("name", "evented");
            });
            assertThat(events.get(1).getActor().getAttributes())
                    .containsEntry("replicas.old", "1").containsEntry("replicas.new", "2");
        }
    }

    @Test
    void aPinnedApiVersionUsesThePrefixAndATooNewOneIsRefused() throws IOException {
        try (DockerClient v144 = client(tcp, "1.44")) {
            assertThat(v144.infoCmd().exec().getSwarm().getNodeID()).isNotBlank();
        }
        try (DockerClient v199 = client(tcp, "1.99")) {
            assertThatThrownBy(() -> v199.listServicesCmd().exec()).isInstanceOf(BadRequestException.class)
                    .hasMessageContaining("client version 1.99 is too new. Maximum supported API version is 1.47");
        }
    }

    @Test
    void badFiltersAndUnknownServicesAnswerAsTheEngineDoes() throws IOException {
        try (DockerClient docker = client(tcp)) {
            assertThatThrownBy(() -> docker.listTasksCmd().withServiceFilter("no-such-service").exec())
                    .isInstanceOf(NotFoundException.class).hasMessageContaining("service no-such-service not found");
            assertThatThrownBy(() -> docker.inspectServiceCmd("no-such-service").exec())
                    .isInstanceOf(NotFoundException.class)
                    .hasMessage("Status 404: {\"message\":\"service no-such-service not found\"}\n");
        }
    }
}
