package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.ContainerSpecSecret;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PortConfig;
import com.github.dockerjava.api.model.ServiceSpec;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.sim.SwarmSim;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stacks/proxy.yml}, deployed with the real docker CLI to swarm-sim as the operator would: the token secret
 * first, then the stack. It parses, and creates the services, network, constraints, ports, mounts and secret
 * references it should, with commands our own CLI accepts; without the secret the CLI refuses to deploy, as on a real
 * swarm; the certificate example it keeps commented out deploys once uncommented. Skipped, with a message, where no
 * docker CLI is installed.
 */
class StackFileTest {

    private static final Path STACK = Path.of("..", "stacks", "proxy.yml");
    private static final String TOKEN_FILE = "/run/secrets/ballast_token";
    /** 0400, as the stack asks: the token is readable by its owner alone. */
    private static final long OWNER_READ = 0400;

    @TempDir
    Path dir;

    @Test
    void theProxyStackCreatesTheControllerAndTwoDataplanesOnAnOverlayNetwork() throws Exception {
        try (SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults())) {
            String host = sim.listen("127.0.0.1:0");
            DockerCli cli = cli(host);
            // As the stack file's header says: openssl rand -hex 32 | docker secret create ballast_token -
            DockerCli.Result secret = cli.run("0123456789abcdef0123456789abcdef\n".getBytes(StandardCharsets.UTF_8),
                    "secret", "create", "ballast_token", "-");
            assertThat(secret.exit()).as(secret.out() + secret.err()).isZero();
            String tokenId = secret.out().trim();
            DockerCli.Result deploy = cli.run("stack", "deploy", "-c", STACK.toString(), "proxy");
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
                assertThat(controllerContainer.getMounts()).extracting(m -> m.getType().name(), Mount::getSource,
                                Mount::getTarget)
                        .as("pushed certificates survive a restart on a volume of the controller's own")
                        .contains(tuple("VOLUME", "proxy_controller-state", "/var/lib/ballast/state"),
                                tuple("VOLUME", "proxy_acme", "/var/lib/ballast/acme"));
                assertThat(String.join(" ", controllerContainer.getArgs())).contains("--token-file " + TOKEN_FILE,
                        "--state-dir /var/lib/ballast/state", "--acme-email admin@example.com",
                        "--acme-storage /var/lib/ballast/acme");
                assertTokenMounted(controllerContainer, tokenId, "0");
                assertThat(controllerContainer.getHealthCheck().getTest()).contains("http://127.0.0.1:8080/readyz");
                assertAcceptedByOurCli(controllerContainer.getArgs());

                ServiceSpec dataplane = docker.inspectServiceCmd("proxy_dataplane").exec().getSpec();
                assertThat(dataplane.getMode().getReplicated().getReplicas()).isEqualTo(2);
                assertThat(dataplane.getEndpointSpec().getPorts()).extracting(PortConfig::getPublishedPort,
                        PortConfig::getTargetPort).containsExactly(tuple(80, 80), tuple(443, 443));
                ContainerSpec dataplaneContainer = dataplane.getTaskTemplate().getContainerSpec();
                List<String> args = dataplaneContainer.getArgs();
                assertThat(String.join(" ", args)).contains("--controller http://controller:8080",
                        "--listen 0.0.0.0:80", "--tls-listen 0.0.0.0:443", "--state-dir /var/lib/ballast/state",
                        "--token-file " + TOKEN_FILE, "--secrets-dir /run/secrets");
                assertTokenMounted(dataplaneContainer, tokenId, "10001");
                assertThat(dataplaneContainer.getMounts()).extracting(Mount::getSource)
                        .containsExactly("proxy_ballast-state");
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

    @Test
    void withoutTheTokenSecretTheDeployIsRefusedAsOnARealSwarm() throws Exception {
        try (SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults())) {
            DockerCli cli = cli(sim.listen("127.0.0.1:0"));
            DockerCli.Result deploy = cli.run("stack", "deploy", "-c", STACK.toString(), "proxy");
            assertThat(deploy.exit()).isNotZero();
            assertThat(deploy.err()).contains("secret not found: ballast_token");
            assertThat(cli.run("service", "ls", "-q").out()).as("no service was created").isBlank();
        }
    }

    @Test
    void theCommentedCertificateExampleDeploysOnceUncommented() throws Exception {
        try (SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults())) {
            String host = sim.listen("127.0.0.1:0");
            DockerCli cli = cli(host);
            byte[] pem = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.UTF_8);
            for (String name : List.of("ballast_token", "cert-example.com")) {
                DockerCli.Result created = cli.run(pem, "secret", "create", name, "-");
                assertThat(created.exit()).as(created.err()).isZero();
            }
            Path withCertificate = dir.resolve("proxy-with-cert.yml");
            Files.writeString(withCertificate, uncommentCertificate(Files.readString(STACK)));
            DockerCli.Result deploy = cli.run("stack", "deploy", "-c", withCertificate.toString(), "proxy");
            assertThat(deploy.exit()).as(deploy.out() + deploy.err()).isZero();

            try (DockerClient docker = DockerClients.connect(host, Duration.ofSeconds(10))) {
                List<ContainerSpecSecret> secrets = docker.inspectServiceCmd("proxy_dataplane").exec().getSpec()
                        .getTaskTemplate().getContainerSpec().getSecrets();
                assertThat(secrets).extracting(ContainerSpecSecret::getSecretName, s -> s.getFile().getName(),
                                s -> s.getFile().getUid(), s -> s.getFile().getMode())
                        .as("read from --secrets-dir /run/secrets as cert-example.com, by the dataplane's user alone")
                        .contains(tuple("cert-example.com", "cert-example.com", "10001", OWNER_READ));
            }
        }
    }

    private DockerCli cli(String host) {
        Optional<DockerCli> cli = DockerCli.find(host, dir.resolve("docker-config"));
        assumeTrue(cli.isPresent(), "no docker CLI on the PATH; the stack file is not deployed");
        return cli.get();
    }

    /** The token secret, at {@value #TOKEN_FILE}, owned by {@code uid} and readable by it alone. */
    private static void assertTokenMounted(ContainerSpec container, String tokenId, String uid) {
        assertThat(container.getSecrets()).singleElement().satisfies(s -> {
            assertThat(s.getSecretName()).isEqualTo("ballast_token");
            assertThat(s.getSecretId()).isEqualTo(tokenId);
            assertThat("/run/secrets/" + s.getFile().getName()).isEqualTo(TOKEN_FILE);
            assertThat(s.getFile().getUid()).isEqualTo(uid);
            assertThat(s.getFile().getMode()).isEqualTo(OWNER_READ);
        });
    }

    /**
     * The stack file with its commented certificate lines uncommented: a commented {@code - source: cert-…} or
     * {@code cert-…:} line and the deeper-indented commented lines under it.
     */
    static String uncommentCertificate(String stack) {
        Pattern start = Pattern.compile("^(\\s*)# ((?:- source: )?cert-[\\w.-]+:?)$");
        List<String> out = new ArrayList<>();
        Pattern block = null;
        for (String line : stack.split("\n", -1)) {
            Matcher m = start.matcher(line);
            if (m.matches()) {
                out.add(m.group(1) + m.group(2));
                block = Pattern.compile("^" + Pattern.quote(m.group(1)) + "# (  .*)$");
                continue;
            }
            Matcher inside = block == null ? null : block.matcher(line);
            if (inside != null && inside.matches()) {
                out.add(line.substring(0, line.indexOf('#')) + inside.group(1));
            } else {
                block = null;
                out.add(line);
            }
        }
        String result = String.join("\n", out);
        assertThat(result).as("the certificate example is still in the stack file")
                .contains("- source: cert-example.com\n", "\n  cert-example.com:\n");
        return result;
    }

    /** The stack's command line names only flags our CLI has (a renamed flag would break every deployment). */
    private static void assertAcceptedByOurCli(List<String> args) {
        Main.commandLine().parseArgs(args.toArray(String[]::new));
    }
}
