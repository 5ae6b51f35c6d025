package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code docker} CLI against the emulator, following the Docker Flow Proxy tutorial verbatim, then the
 * stack commands and secrets. Skipped, with a message, where no {@code docker} binary is on the PATH. The steps build on each
 * other, so they run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerCliTest {

    @TempDir
    static Path dir;

    static SwarmSim sim;
    static String host;

    /** Output and exit status of one docker command. */
    record Result(int exit, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(dockerCli() != null, "no docker CLI on the PATH; the CLI conformance test is skipped");
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        host = sim.listen("127.0.0.1:0");
        // The CLI gives its version ping about 2 s; a cold emulator on a loaded machine can take longer, and the
        // CLI then reports its own API version instead of the negotiated one.
        EngineClient warm = new EngineClient(host);
        warm.get("/_ping");
        warm.get("/version");
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    static String dockerCli() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "docker");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    static ProcessBuilder docker(String... args) {
        List<String> command = new ArrayList<>(List.of(dockerCli()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("DOCKER_HOST", host);
        builder.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
        builder.environment().remove("DOCKER_CONTEXT");
        builder.environment().remove("DOCKER_TLS_VERIFY");
        return builder;
    }

    static Result run(String... args) throws IOException, InterruptedException {
        return run(new byte[0], args);
    }

    /** Runs a command with {@code input} on its standard input, as {@code … | docker secret create NAME -}. */
    static Result run(byte[] input, String... args) throws IOException, InterruptedException {
        Process process = docker(args).start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(input);
        }
        // Read both streams fully before waiting, so a chatty command cannot block on a full pipe.
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread drain = new Thread(() -> {
            try {
                err.complete(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.completeExceptionally(e);
            }
        });
        drain.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("docker " + String.join(" ", args) + " finishes").isTrue();
        drain.join();
        return new Result(process.exitValue(), out, err.join());
    }

    static String ok(String... args) throws IOException, InterruptedException {
        Result result = run(args);
        assertThat(result.exit()).as("docker " + String.join(" ", args) + "\n" + result.out() + result.err()).isZero();
        return result.out();
    }

    @Test
    @Order(1)
    void versionInfoAndNodes() throws Exception {
        assertThat(ok("version")).contains("API version:       1.47");
        assertThat(ok("info")).contains("Swarm: active", "Is Manager: true", "Managers: 2", "Nodes: 2");
        String nodes = ok("node", "ls");
        assertThat(nodes).contains("emu-1", "emu-2", "Leader", "Reachable", "Ready", "Active");
        assertThat(nodes.lines().filter(l -> l.contains(" * ")).count()).as("the current node is starred").isEqualTo(1);
    }

    @Test
    @Order(2)
    void networks() throws Exception {
        String id = ok("network", "create", "--driver", "overlay", "proxy").trim();
        assertThat(id).hasSize(25);
        assertThat(ok("network", "ls")).contains("proxy", "overlay", "swarm", "ingress");
        assertThat(ok("network", "inspect", "proxy", "--format", "{{.Scope}} {{.Driver}} {{(index .IPAM.Config 0).Subnet}}"))
                .matches("swarm overlay 127\\.\\d+\\.\\d+\\.0/24\\n");
        assertThat(run("network", "create", "--driver", "overlay", "proxy").err()).contains("already exists");
    }

    @Test
    @Order(3)
    void theDockerFlowProxyTutorialVerbatim() throws Exception {
        ok("service", "create", "--name", "swarm-listener", "--network", "proxy",
                "--mount", "type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock",
                "-e", "DF_NOTIFY_CREATE_SERVICE_URL=http://proxy:8080/v1/docker-flow-proxy/reconfigure",
                "-e", "DF_NOTIFY_REMOVE_SERVICE_URL=http://proxy:8080/v1/docker-flow-proxy/remove",
                "--constraint", "node.role==manager", "vfarcic/docker-flow-swarm-listener");
        ok("service", "create", "--name", "http", "--network", "proxy",
                "--label", "com.df.notify=true", "--label", "com.df.distribute=true",
                "--label", "com.df.servicePath=/http/", "--label", "com.df.reqPathSearch=/http/",
                "--label", "com.df.reqPathReplace=/renamed/", "--label", "com.df.port=80", "emilevauge/whoami");
        String ls = ok("service", "ls");
        assertThat(ls).containsPattern("http\\s+replicated\\s+1/1\\s+emilevauge/whoami");
        assertThat(ls).containsPattern("swarm-listener\\s+replicated\\s+1/1");
        assertThat(ok("service", "ps", "http")).contains("http.1", "Running");

        ok("service", "scale", "http=3");
        assertThat(ok("service", "ls")).containsPattern("http\\s+replicated\\s+3/3");
        String labels = ok("service", "inspect", "http", "--format", "{{json .Spec.Labels}}");
        assertThat(labels).contains("\"com.df.servicePath\":\"/http/\"", "\"com.df.reqPathReplace\":\"/renamed/\"");
    }

    @Test
    @Order(4)
    void labelsCanBeAddedAndRemoved() throws Exception {
        ok("service", "update", "--detach", "--label-add", "com.df.port=8080", "--label-rm", "com.df.distribute", "http");
        String labels = ok("service", "inspect", "http", "--format", "{{json .Spec.Labels}}");
        assertThat(labels).contains("\"com.df.port\":\"8080\"").doesNotContain("com.df.distribute");
        assertThat(ok("service", "inspect", "--pretty", "http")).contains("com.df.port=8080", "Replicas:\t3");
    }

    @Test
    @Order(5)
    void stacksAndEvents() throws Exception {
        Path compose = dir.resolve("go-demo.yml");
        Files.writeString(compose, """
                version: "3.7"
                services:
                  main:
                    image: traefik/whoami
                    command: ["--port", "8080"]
                    networks: [proxy, default]
                    deploy:
                      replicas: 2
                      labels:
                        - com.df.notify=true
                        - com.df.servicePath=/demo
                        - com.df.port=8080
                  db:
                    image: mongo:3.2.10
                    networks: [default]
                networks:
                  default:
                  proxy:
                    external: true
                """);
        List<String> events = new CopyOnWriteArrayList<>();
        Process watcher = docker("events", "--filter", "type=service").start();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(watcher.getInputStream(), StandardCharsets.UTF_8))) {
                lines.lines().forEach(events::add);
            } catch (IOException e) {
                // the process was stopped
            }
        });
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> sim.openEventStreams() > 0);
            Result deploy = run("stack", "deploy", "-c", compose.toString(), "go-demo");
            assertThat(deploy.exit()).as(deploy.err()).isZero();
            assertThat(deploy.out()).contains("Creating network go-demo_default", "Creating service go-demo_main",
                    "Creating service go-demo_db");
            assertThat(ok("stack", "ls")).containsPattern("go-demo\\s+2");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(ok("stack", "ps", "go-demo", "--format", "{{.Name}} {{.CurrentState}}").lines()
                            .filter(l -> l.contains("Running")).count()).isEqualTo(3));
            assertThat(ok("service", "inspect", "go-demo_main", "--format", "{{json .Spec.Labels}}"))
                    .contains("\"com.docker.stack.namespace\":\"go-demo\"", "\"com.df.servicePath\":\"/demo\"");
            Result missing = run("inspect", "no-such-thing");
            assertThat(missing.exit()).isEqualTo(1);
            assertThat(missing.err()).contains("No such object: no-such-thing");

            assertThat(ok("stack", "rm", "go-demo")).contains("Removing service go-demo_main", "Removing network go-demo_default");
            assertThat(ok("service", "ls")).doesNotContain("go-demo");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(events)
                    .anyMatch(l -> l.contains("service create") && l.contains("name=go-demo_main"))
                    .anyMatch(l -> l.contains("service remove") && l.contains("name=go-demo_db")));
        } finally {
            watcher.destroy();
        }
    }

    @Test
    @Order(6)
    void serviceLogsAsTheTutorialReadsThem() throws Exception {
        ok("service", "create", "--name", "logged", "--network", "proxy", "traefik/whoami", "--port", "8080");
        await().atMost(Duration.ofSeconds(5)).until(() -> !ok("service", "ps", "logged", "--filter",
                "desired-state=running", "--format", "{{.CurrentState}}").isBlank());
        String task = ok("service", "ps", "logged", "-q", "--no-trunc").trim();
        String inspect = ok("inspect", "--type", "task", task, "--format",
                "{{range .NetworksAttachments}}{{index .Addresses 0}}{{end}} {{.Status.ContainerStatus.ContainerID}}");
        String address = inspect.split(" ")[0].replaceAll("/\\d+$", "");
        String container = inspect.split(" ")[1].trim();
        EngineClient.fetch("http://" + address + ":8080/tutorial");

        String logs = ok("service", "logs", "logged");
        String prefix = "logged.1." + task.substring(0, 12) + "@emu-";
        assertThat(logs).containsPattern(java.util.regex.Pattern.quote(prefix) + "\\d\\s+\\| \\d+(\\.\\d+){3}:\\d+ "
                + "\"GET /tutorial HTTP/1.1\" 200");
        Result both = run("service", "logs", "logged");
        assertThat(both.err()).as("stderr lines on stderr, as the CLI demultiplexes them")
                .contains(prefix).contains("| Starting up on port 8080");
        assertThat(ok("service", "logs", "--tail", "1", "--timestamps", "logged").lines().toList()).singleElement()
                .asString().matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z logged\\.1\\.\\S+@emu-\\d\\s+\\| .*GET /tutorial.*");
        assertThat(run("logs", container.substring(0, 12)).err()).isEqualTo("Starting up on port 8080\n");
        Result missing = run("service", "logs", "nothing-here");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no such task or service: nothing-here");

        Process follow = docker("service", "logs", "-f", "--tail", "0", "logged").start();
        List<String> followed = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(follow.getInputStream(),
                    StandardCharsets.UTF_8))) {
                lines.lines().forEach(followed::add);
            } catch (IOException e) {
                // the process was stopped
            }
        });
        reader.start();
        String target = "http://" + address + ":8080/followed";
        try {
            // Requests until one shows: the CLI opens its stream only after resolving the service.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
                EngineClient.fetch(target);
                return followed.stream().anyMatch(l -> l.contains("\"GET /followed HTTP/1.1\" 200"));
            });
            assertThat(followed).allMatch(l -> l.startsWith(prefix)).noneMatch(l -> l.contains("/tutorial"));
        } finally {
            follow.destroy();
        }
    }

    @Test
    @Order(7)
    void secretsAsTheOperatorManagesThem() throws Exception {
        String token = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        Result created = run((token + "\n").getBytes(StandardCharsets.UTF_8),
                "secret", "create", "--label", "env=test", "ballast_token", "-");
        assertThat(created.exit()).as(created.err()).isZero();
        String id = created.out().trim();
        assertThat(id).hasSize(25);
        Path pem = dir.resolve("example.com.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n");
        ok("secret", "create", "cert-example.com", pem.toString());

        assertThat(ok("secret", "ls")).contains(id.substring(0, 25), "ballast_token", "cert-example.com");
        assertThat(ok("secret", "ls", "--filter", "name=cert-", "--format", "{{.Name}}")).isEqualTo("cert-example.com\n");
        assertThat(ok("secret", "ls", "--filter", "label=env=test", "-q")).isEqualTo(id + "\n");
        String inspect = ok("secret", "inspect", "ballast_token");
        assertThat(inspect).contains("\"ID\": \"" + id + "\"", "\"Name\": \"ballast_token\"", "\"env\": \"test\"")
                .doesNotContain(token, "Data");
        assertThat(ok("secret", "inspect", "--pretty", id.substring(0, 8))).contains("Name:", "ballast_token");
        Result duplicate = run("secret", "create", "ballast_token", pem.toString());
        assertThat(duplicate.exit()).isEqualTo(1);
        assertThat(duplicate.err()).contains("rpc error: code = AlreadyExists desc = secret ballast_token already exists");

        ok("service", "create", "--name", "holder", "--secret", "ballast_token", "traefik/whoami");
        assertThat(ok("service", "inspect", "holder", "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}"))
                .contains("\"SecretID\":\"" + id + "\"", "\"SecretName\":\"ballast_token\"",
                        "\"Name\":\"ballast_token\"", "\"Mode\":292");
        Result unknown = run("service", "create", "--name", "orphan", "--secret", "no-such-secret", "traefik/whoami");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("secret not found: no-such-secret");
        Result inUse = run("secret", "rm", "ballast_token");
        assertThat(inUse.exit()).isEqualTo(1);
        assertThat(inUse.err()).contains("secret 'ballast_token' is in use by the following service: holder");

        ok("service", "update", "--detach", "--secret-rm", "ballast_token", "holder");
        assertThat(ok("secret", "rm", "ballast_token", "cert-example.com")).isEqualTo("ballast_token\ncert-example.com\n");
        assertThat(ok("secret", "ls", "-q")).isEmpty();
        Result gone = run("secret", "inspect", "ballast_token");
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err()).contains("secret ballast_token not found");
    }
}
