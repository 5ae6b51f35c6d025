package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Service;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.dist.demo.WhoamiService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar ballast.jar demo} as a user runs it, on its documented addresses: the tutorial's stack answers
 * through both replicas, follows a scale and a removal made with the docker CLI (docker-java where no CLI is
 * installed), and everything stops on SIGTERM.
 */
class DemoIT {

    static final Path JAR = Path.of("target", "ballast.jar");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final String ENGINE = "tcp://127.0.0.1:2375";

    @TempDir
    Path dir;

    static Process demo(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-jar", JAR.toString(), "demo"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static int endpointCount(String admin) throws IOException, InterruptedException {
        String config = get(admin + "/v1/docker-flow-proxy/config").body();
        return config.split("\"address\"", -1).length - 1;
    }

    @Test
    void runsTheTutorialAndStopsCleanly() throws Exception {
        Process demo = demo();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(),
                StandardCharsets.UTF_8))) {
            StringBuilder printed = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null && !line.equals("Try:")) {
                printed.append(line).append('\n');
            }
            assertThat(printed.toString()).contains("tcp://127.0.0.1:2375", "http://127.0.0.1:8080",
                    "http://127.0.0.1:8000  admin http://127.0.0.1:8100",
                    "http://127.0.0.1:8001  admin http://127.0.0.1:8101", "service http_http");

            for (String replica : List.of("http://127.0.0.1:8000", "http://127.0.0.1:8001")) {
                await().atMost(Duration.ofSeconds(10)).until(() -> get(replica + "/http/hello").statusCode() == 200);
                assertThat(get(replica + "/http/hello").body()).contains("GET /renamed/hello HTTP/1.1");
            }

            Optional<DockerCli> cli = DockerCli.find(ENGINE, dir.resolve("docker-config"));
            try (DockerClient docker = DockerClients.connect(ENGINE, Duration.ofSeconds(10))) {
                if (cli.isPresent()) {
                    assertThat(cli.get().run("service", "ls").out()).contains("http_http", "3/3");
                    assertThat(cli.get().run("service", "scale", "--detach", "http_http=5").exit()).isZero();
                } else {
                    Service service = docker.inspectServiceCmd("http_http").exec();
                    docker.updateServiceCmd(service.getId(), service.getSpec().withMode(WhoamiService.replicated(5)))
                            .withVersion(service.getVersion().getIndex()).exec();
                }
                for (String admin : List.of("http://127.0.0.1:8100", "http://127.0.0.1:8101")) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> endpointCount(admin) == 5);
                }
                if (cli.isPresent()) {
                    assertThat(cli.get().run("service", "rm", "http_http").exit()).isZero();
                } else {
                    docker.removeServiceCmd("http_http").exec();
                }
            }
            for (String replica : List.of("http://127.0.0.1:8000", "http://127.0.0.1:8001")) {
                await().atMost(Duration.ofSeconds(10)).until(() -> get(replica + "/http/hello").statusCode() == 404);
            }
        } finally {
            demo.destroy();
        }
        assertThat(demo.waitFor(15, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        for (int port : new int[] {2375, 8080, 8000, 8001, 8100, 8101}) {
            try (ServerSocket free = new ServerSocket()) {
                free.bind(new InetSocketAddress("127.0.0.1", port));
            }
        }
    }

    @Test
    void saysWhichAddressIsTakenAndStopsWhatItStarted() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.setReuseAddress(true);
            taken.bind(new InetSocketAddress("127.0.0.1", 8080));
            Process demo = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar",
                    JAR.toString(), "demo", "--empty").start();
            assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("gives up").isTrue();
            String err = new String(demo.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(demo.exitValue()).as(err).isEqualTo(1);
            assertThat(err).contains("ballast demo: cannot start the controller on http://127.0.0.1:8080");
        }
        try (ServerSocket free = new ServerSocket()) {
            free.bind(new InetSocketAddress("127.0.0.1", 2375)); // the emulator it had started is gone
        }
    }
}
