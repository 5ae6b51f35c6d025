package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskState;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.dist.demo.WhoamiService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code java -jar ballast.jar demo} as a new user runs it, following the Docker Flow Proxy tutorial in its order:
 * the proxy stack, the http stack, scaling the proxy, its configuration, the voting app, the logs; then SIGTERM. The
 * docker CLI is used where it is installed (docker-java or plain HTTP otherwise, for what does not need its output).
 * The steps build on each other, so they run in order against one demo.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoIT {

    static final Path JAR = Path.of("target", "ballast.jar");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final String ENGINE = "tcp://127.0.0.1:2375";
    static final List<String> REPLICAS = List.of("http://127.0.0.1:8000", "http://127.0.0.1:8001");

    static Process demo;
    static final List<String> printed = new CopyOnWriteArrayList<>();
    static Optional<DockerCli> cli;
    static DockerClient docker;
    static Path dir;

    @BeforeAll
    static void startTheDemo() throws Exception {
        dir = Files.createTempDirectory("demo-it");
        demo = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar", JAR.toString(),
                "demo").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(),
                    StandardCharsets.UTF_8))) {
                out.lines().forEach(printed::add);
            } catch (IOException e) {
                // the demo is gone
            }
        }, "demo-stdout");
        reader.setDaemon(true);
        reader.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> printed.stream().anyMatch(l -> l.startsWith("Try"))
                || !demo.isAlive());
        assertThat(demo.isAlive()).as("the demo started: " + printed).isTrue();
        cli = DockerCli.find(ENGINE, dir.resolve("docker-config"));
        docker = DockerClients.connect(ENGINE, Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopTheDemo() throws Exception {
        if (docker != null) {
            docker.close();
        }
        if (demo != null && demo.isAlive()) {
            demo.destroyForcibly();
        }
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static int status(String url) {
        try {
            return get(url).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    static String ok(String... args) throws IOException, InterruptedException {
        DockerCli.Result result = cli.orElseThrow().run(args);
        assertThat(result.exit()).as("docker " + String.join(" ", args) + "\n" + result.out() + result.err()).isZero();
        return result.out();
    }

    static void scale(String service, int replicas) throws Exception {
        if (cli.isPresent()) {
            ok("service", "scale", "--detach", service + "=" + replicas);
        } else {
            Service s = docker.inspectServiceCmd(service).exec();
            docker.updateServiceCmd(s.getId(), s.getSpec().withMode(WhoamiService.replicated(replicas)))
                    .withVersion(s.getVersion().getIndex()).exec();
        }
    }

    static List<String> runningTasks(String namespace) {
        List<String> names = new ArrayList<>();
        for (Task task : docker.listTasksCmd().withLabelFilter(Map.of("com.docker.stack.namespace", namespace))
                .exec()) {
            if (task.getStatus().getState() == TaskState.RUNNING && task.getDesiredState() == TaskState.RUNNING) {
                String service = docker.inspectServiceCmd(task.getServiceId()).exec().getSpec().getName();
                names.add(service + "." + task.getSlot());
            }
        }
        return names;
    }

    @Test
    @Order(1)
    void printsWhereEverythingRuns() {
        assertThat(String.join("\n", printed)).contains("tcp://127.0.0.1:2375", "networks in 127.16.0.0/16",
                "proxy_controller (1 task), proxy_proxy (2 tasks): image ballast:latest", "http://127.0.0.1:8080",
                "http://127.0.0.1:8000  admin http://127.0.0.1:8100  (proxy_proxy.1)",
                "http://127.0.0.1:8001  admin http://127.0.0.1:8101  (proxy_proxy.2)", "service http_http");
    }

    @Test
    @Order(2)
    void theProxyStackIsTwoReplicasAndTheController() throws Exception {
        assertThat(runningTasks("proxy")).containsExactlyInAnyOrder("proxy_controller.1", "proxy_proxy.1",
                "proxy_proxy.2");
        if (cli.isPresent()) {
            assertThat(ok("stack", "ps", "proxy", "--format", "{{.Name}} {{.Image}} {{.CurrentState}}").lines())
                    .hasSize(3).allMatch(l -> l.contains(" ballast:latest Running"))
                    .anyMatch(l -> l.startsWith("proxy_controller.1 "))
                    .anyMatch(l -> l.startsWith("proxy_proxy.1 ")).anyMatch(l -> l.startsWith("proxy_proxy.2 "));
            assertThat(ok("service", "ls")).containsPattern("proxy_proxy\\s+replicated\\s+2/2\\s+ballast:latest")
                    .containsPattern("proxy_controller\\s+replicated\\s+1/1");
        }
    }

    @Test
    @Order(3)
    void theHttpStackAnswersThroughBothReplicas() throws Exception {
        for (String replica : REPLICAS) {
            await().atMost(Duration.ofSeconds(10)).until(() -> status(replica + "/http/hello") == 200);
            assertThat(get(replica + "/http/hello").body()).contains("GET /renamed/hello HTTP/1.1");
        }
    }

    @Test
    @Order(4)
    void scalingTheProxyStartsAReplicaThatServesWithinTwoSeconds() throws Exception {
        scale("proxy_proxy", 3);
        long scaled = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(25))
                .until(() -> status("http://127.0.0.1:8002/http/hello") == 200);
        System.out.printf("DemoIT: the third replica answered %d ms after the scale%n",
                (System.nanoTime() - scaled) / 1_000_000);
        assertThat(get("http://127.0.0.1:8002/http/hello").body()).contains("GET /renamed/hello HTTP/1.1");
        assertThat(get("http://127.0.0.1:8102/readyz").statusCode()).isEqualTo(200);
        assertThat(get("http://127.0.0.1:8080/v1/status").body()).contains("\"id\":\"proxy_proxy.3\"");
        await().atMost(Duration.ofSeconds(5)).until(() -> printed.stream().anyMatch(l -> l.startsWith(
                "ballast demo: proxy_proxy.3 started: http://127.0.0.1:8002, admin http://127.0.0.1:8102")));
        assertThat(runningTasks("proxy")).contains("proxy_proxy.3");
    }

    @Test
    @Order(5)
    void scalingDownDrainsOneReplicaWithoutFailingRequestsOnTheOthers() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger requests = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread client = new Thread(() -> {
            while (running.get()) {
                for (String replica : REPLICAS) {
                    try {
                        int code = get(replica + "/http/loop").statusCode();
                        if (code != 200) {
                            failures.add(replica + ": " + code);
                        }
                    } catch (IOException | InterruptedException e) {
                        failures.add(replica + ": " + e);
                    }
                    requests.incrementAndGet();
                }
            }
        }, "demo-client-loop");
        client.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> requests.get() >= 20);
            scale("proxy_proxy", 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> status("http://127.0.0.1:8002/http/hello") == -1);
            int before = requests.get();
            await().atMost(Duration.ofSeconds(5)).until(() -> requests.get() >= before + 20);
        } finally {
            running.set(false);
            client.join(10_000);
        }
        assertThat(failures).as("requests to the other replicas while one stopped").isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> printed.contains("ballast demo: proxy_proxy.3 stopped"));
        assertThat(runningTasks("proxy")).containsExactlyInAnyOrder("proxy_controller.1", "proxy_proxy.1",
                "proxy_proxy.2");
        if (cli.isPresent()) {
            assertThat(ok("service", "ps", "proxy_proxy", "--format", "{{.Name}} {{.DesiredState}}"))
                    .contains("proxy_proxy.3 Shutdown");
        }
    }

    @Test
    @Order(6)
    void eachReplicaShowsTheConfigurationInForce() throws Exception {
        for (String admin : List.of("http://127.0.0.1:8100", "http://127.0.0.1:8101")) {
            String config = get(admin + "/v1/docker-flow-proxy/config").body();
            assertThat(config).contains("http_http", "/http/", "/renamed/");
        }
    }

    /** Whether this process may bind port 80, as the voting app's stand-ins must (root, or a lowered sysctl). */
    static boolean mayBindPort80() {
        try (ServerSocket socket = new ServerSocket(80, 1, InetAddress.getByName("127.0.0.3"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    @Order(7)
    void theVotingAppRoutesToItsStandInsWithThePathsRewritten() throws Exception {
        assumeTrue(cli.isPresent(), "no docker CLI on the PATH: the voting app's stack file cannot be deployed");
        assumeTrue(mayBindPort80(), "this user may not bind port 80, which the voting app's services use");
        DockerCli.Result deploy = cli.get().run("stack", "deploy", "-c",
                Path.of("..", "stacks", "docker-compose-flow-proxy.yml").toString(), "cloud");
        assertThat(deploy.exit()).as(deploy.out() + deploy.err()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> runningTasks("cloud").size() == 5);

        await().atMost(Duration.ofSeconds(10)).until(() -> status(REPLICAS.get(0) + "/vote/") == 200);
        HttpResponse<String> vote = get(REPLICAS.get(0) + "/vote/");
        assertThat(vote.headers().firstValue("X-Swarm-Sim-Stand-In")).hasValue("sebmoule/vote_vote:latest");
        assertThat(vote.body()).contains("Image: sebmoule/vote_vote", "Request: GET / HTTP/1.1");
        await().atMost(Duration.ofSeconds(10)).until(() -> status(REPLICAS.get(1) + "/result/") == 200);
        assertThat(get(REPLICAS.get(1) + "/result/app.js").body()).contains("Image: sebmoule/vote_result",
                "Request: GET /app.js HTTP/1.1");
    }

    @Test
    @Order(8)
    void serviceLogsShowARequestJustMade() throws Exception {
        String path = "/http/logged-" + System.nanoTime();
        assertThat(get(REPLICAS.get(0) + path).statusCode()).isEqualTo(200);
        String renamed = path.replace("/http/", "/renamed/");
        // The engine's own log stream, which the CLI reads.
        await().atMost(Duration.ofSeconds(5)).until(() -> new String(HTTP.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:2375/services/http_http/logs?stdout=1")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body(), StandardCharsets.UTF_8).contains(renamed));
        if (cli.isPresent()) {
            assertThat(ok("service", "logs", "proxy_proxy")).containsPattern("proxy_proxy\\.1\\.\\w+@emu-\\d\\s+\\| "
                    + "127\\.0\\.0\\.1 \"GET " + path + "\" 200 [0-9.]+ http_http ");
            assertThat(ok("service", "logs", "--tail", "5", "http_http")).contains("\"GET " + renamed
                    + " HTTP/1.1\" 200");
            assertThat(cli.get().run("service", "logs", "proxy_controller").err())
                    .contains("proxy_controller.1.").contains("Controller - published snapshot");
        }
    }

    @Test
    @Order(9)
    void stopsCleanlyOnSigterm() throws Exception {
        demo.destroy();
        assertThat(demo.waitFor(15, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        for (int port : new int[] {2375, 8080, 8000, 8001, 8100, 8101}) {
            try (ServerSocket free = new ServerSocket()) {
                free.bind(new InetSocketAddress("127.0.0.1", port));
            }
        }
        assertThatThrownBy(() -> get("http://127.0.0.1:8000/http/hello")).isInstanceOf(IOException.class);
    }
}
