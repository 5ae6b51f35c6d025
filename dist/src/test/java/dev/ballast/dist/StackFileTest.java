package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PortConfig;
import com.github.dockerjava.api.model.ServiceSpec;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.sim.SwarmSim;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stacks/proxy.yml}, deployed with the real docker CLI to swarm-sim: it parses, and creates the services,
 * network, constraints and mounts it should, with commands our own CLI accepts. Skipped, with a message, where no
 * docker CLI is installed.
 */
class StackFileTest {

    @TempDir
    Path dir;

    @Test
    void theProxyStackCreatesTheControllerAndTwoDataplanesOnAnOverlayNetwork() throws Exception {
        try (SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults())) {
            String host = sim.listen("127.0.0.1:0");
            Optional<DockerCli> cli = DockerCli.find(host, dir.resolve("docker-config"));
            assumeTrue(cli.isPresent(), "no docker CLI on the PATH; the stack file is not deployed");
            DockerCli.Result deploy = cli.get().run("stack", "deploy", "-c",
                    Path.of("..", "stacks", "proxy.yml").toString(), "proxy");
            assertThat(deploy.exit()).as(deploy.out() + deploy.err()).isZero();

            try (DockerClient docker = DockerClients.connect(host, Duration.ofSeconds(10))) {
                Network network = docker.inspectNetworkCmd().withNetworkId("proxy_public").exec();
                assertThat(network.getDriver()).isEqualTo("overlay");

                ServiceSpec controller = docker.inspectServiceCmd("proxy_controller").exec().getSpec();
                assertThat(controller.getMode().getReplicated().getReplicas()).isEqualTo(1);
                assertThat(controller.getTaskTemplate().getPlacement().getConstraints())
                        .containsExactly("node.role == manager");
                ContainerSpec controllerContainer = controller.getTaskTemplate().getContainerSpec();
                Mount socket = controllerContainer.getMounts().get(0);
                assertThat(socket.getSource()).isEqualTo("/var/run/docker.sock");
                assertThat(socket.getReadOnly()).as("the Docker socket is mounted read-only").isTrue();
                assertThat(controllerContainer.getHealthCheck().getTest()).contains("http://127.0.0.1:8080/readyz");
                assertAcceptedByOurCli(controllerContainer.getArgs());

                ServiceSpec dataplane = docker.inspectServiceCmd("proxy_dataplane").exec().getSpec();
                assertThat(dataplane.getMode().getReplicated().getReplicas()).isEqualTo(2);
                assertThat(dataplane.getEndpointSpec().getPorts()).extracting(PortConfig::getPublishedPort,
                        PortConfig::getTargetPort).containsExactly(org.assertj.core.groups.Tuple.tuple(80, 80));
                List<String> args = dataplane.getTaskTemplate().getContainerSpec().getArgs();
                assertThat(String.join(" ", args)).contains("--controller http://controller:8080",
                        "--state-dir /var/lib/ballast/state");
                assertAcceptedByOurCli(args);
                assertThat(dataplane.getTaskTemplate().getNetworks().get(0).getAliases())
                        .as("the name a swarm listener notified, for the push API forwarded to the controller")
                        .contains("proxy");
                for (ServiceSpec spec : List.of(controller, dataplane)) {
                    assertThat(spec.getTaskTemplate().getNetworks()).extracting(n -> n.getTarget())
                            .containsExactly(network.getId());
                }
            }
        }
    }

    /** The stack's command line names only flags our CLI has (a renamed flag would break every deployment). */
    private static void assertAcceptedByOurCli(List<String> args) {
        Main.commandLine().parseArgs(args.toArray(String[]::new));
    }
}
