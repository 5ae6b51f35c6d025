package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar, run as a user runs it: a separate JVM, {@code java -jar dist/target/ballast.jar …}. */
class BallastJarIT {

    private static final Path JAR = Path.of("target", "ballast.jar");

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    static Result ballast(String... args) throws IOException, InterruptedException {
        return ballast(java.util.Map.of(), args);
    }

    /**
     * {@code java -jar ballast.jar ARGS}, on the JVM that runs the tests; to redirect or add environment, then start.
     * Docker Flow's variable names are taken out of the environment it inherits (a {@code DEBUG} or {@code PORT} of
     * the machine's would add a warning line at start); a test that wants them adds them.
     */
    static ProcessBuilder jar(String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> dev.ballast.config.DockerFlowVariables.known().contains(name)
                || name.startsWith("DFP_SERVICE"));
        return builder;
    }

    /** Started, and killed after 60 s should the test hang on it. */
    static Process startBounded(ProcessBuilder command) throws IOException {
        Process process = command.start();
        java.util.concurrent.CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS).execute(process::destroyForcibly);
        return process;
    }

    /** With these environment variables set. */
    static Result ballast(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        ProcessBuilder builder = jar(args);
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("ballast exits").isTrue();
        return new Result(process.exitValue(),
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void validatesTheExamples() throws Exception {
        Result result = ballast("validate", "examples");
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.err()).isEqualTo("ok: 4 route(s) in 3 file(s)\n");
    }

    @Test
    void reportsBrokenYamlAtTheParsersLine() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "apiVersion: ballast.dev/v1alpha1\nkind: Route\nmetadata:\n  name: x\n  spec: [\n");
        Result result = ballast("validate", file.toString());
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).isEqualTo(file + ":6: yaml: while parsing a flow node: expected the node content, "
                + "but found '<stream end>'\n");
        assertThat(result.err()).as("no log noise on a plain run").doesNotContain("WARN", "SLF4J");
    }

    @Test
    void simServesTheEngineApiUntilStopped() throws Exception {
        Process sim = jar("sim", "--listen", "127.0.0.1:0").start();
        try (java.io.BufferedReader out = new java.io.BufferedReader(
                new java.io.InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            assertThat(first).startsWith("swarm-sim: Docker Engine API (swarm manager, 2 nodes) on tcp://127.0.0.1:");
            String base = first.substring(first.indexOf("tcp://")).replace("tcp://", "http://");
            java.net.http.HttpResponse<String> ping = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/_ping")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ping.body()).isEqualTo("OK");
            assertThat(ping.headers().firstValue("Swarm")).contains("active/manager");

            Result second = ballast("sim", "--listen", "127.0.0.1:0");
            assertThat(second.exit()).as("a second sim beside the first").isEqualTo(1);
            assertThat(second.err()).startsWith("ballast sim: the address block 127.16.0.0/16 is in use by another "
                    + "emulator on this machine");
        } finally {
            sim.destroy();
        }
        assertThat(sim.waitFor(10, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }

    @Test
    void theControllerFollowsTheSimAsSeparateProcesses() throws Exception {
        Process sim = jar("sim", "--listen", "127.0.0.1:0").start();
        Process controller = null;
        try (java.io.BufferedReader simOut = new java.io.BufferedReader(
                new java.io.InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8))) {
            String first = simOut.readLine();
            String dockerHost = first.substring(first.indexOf("tcp://"));
            controller = jar("controller", "--docker-host", dockerHost,
                    "--listen", "127.0.0.1:0").redirectErrorStream(true).start();
            java.io.BufferedReader ctlOut = new java.io.BufferedReader(
                    new java.io.InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8));
            String started = ctlOut.readLine();
            assertThat(started).startsWith("ballast controller: API on http://127.0.0.1:");
            String api = started.substring(started.indexOf("http://"), started.indexOf(", Docker API"));
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String engine = dockerHost.replace("tcp://", "http://");
            http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(engine + "/services/create"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"Name\":\"web\",\"Labels\":{"
                            + "\"com.df.notify\":\"true\",\"com.df.servicePath\":\"/web\",\"com.df.port\":\"80\"},"
                            + "\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"busybox\"}}}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String body = "";
            while (System.nanoTime() < deadline && !body.contains("\"name\":\"web\"")) {
                body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(api
                        + "/v1/snapshot?replica=it&version=&wait=1s")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            }
            assertThat(body).contains("\"name\":\"web\"", "\"paths\":[\"/web\"]");
        } finally {
            if (controller != null) {
                controller.destroy();
                assertThat(controller.waitFor(10, TimeUnit.SECONDS)).as("the controller stops on SIGTERM").isTrue();
            }
            sim.destroy();
            sim.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theStandaloneDataplaneProxiesToTheEndpointsInItsRouteFiles() throws Exception {
        com.sun.net.httpserver.HttpServer backend = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            byte[] body = ("backend saw " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        Files.writeString(dir.resolve("billing.yaml"), """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata:
                  name: billing
                spec:
                  endpoints:
                    - address: 127.0.0.1:%d
                  rules:
                    - paths: [/billing/]
                      rewrite:
                        - { search: "^/billing/", replace: "/api/" }
                """.formatted(backend.getAddress().getPort()));
        Process dataplane = jar("dataplane", "--routes", dir.toString(),
                "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0").redirectErrorStream(true).start();
        try (java.io.BufferedReader out = new java.io.BufferedReader(
                new java.io.InputStreamReader(dataplane.getInputStream(), StandardCharsets.UTF_8))) {
            String started = out.readLine();
            assertThat(started).startsWith("ballast dataplane: 1 route(s) from " + dir + "; traffic on 127.0.0.1:");
            java.util.regex.Matcher ports = java.util.regex.Pattern
                    .compile("traffic on 127\\.0\\.0\\.1:(\\d+), admin on 127\\.0\\.0\\.1:(\\d+)").matcher(started);
            assertThat(ports.find()).as(started).isTrue();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpResponse<String> proxied = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + ports.group(1) + "/billing/invoices")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(proxied.statusCode()).isEqualTo(200);
            assertThat(proxied.body()).isEqualTo("backend saw /api/invoices");
            java.net.http.HttpResponse<String> ready = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + ports.group(2) + "/readyz")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
        } finally {
            dataplane.destroy();
            backend.stop(0);
        }
        assertThat(dataplane.waitFor(10, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }

    @Test
    void theDataplaneWritesJsonLinesAndAnAccessLogWhenAskedTo() throws Exception {
        com.sun.net.httpserver.HttpServer backend = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        backend.start();
        Files.writeString(dir.resolve("app.yaml"), """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: app }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [/app/] }] }
                """.formatted(backend.getAddress().getPort()));
        ProcessBuilder command = jar("dataplane", "--routes",
                dir.toString(), "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--log-format", "json",
                "--access-log").redirectError(ProcessBuilder.Redirect.DISCARD);
        // traces on, toward a port where nothing listens (the export fails, quietly for this test): requests get spans
        command.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9");
        command.environment().put("OTEL_METRICS_EXPORTER", "none");
        Process dataplane = startBounded(command);
        try (java.io.BufferedReader out = new java.io.BufferedReader(
                new java.io.InputStreamReader(dataplane.getInputStream(), StandardCharsets.UTF_8))) {
            java.util.regex.Matcher ports = java.util.regex.Pattern.compile("traffic on 127\\.0\\.0\\.1:(\\d+)")
                    .matcher(out.readLine());
            assertThat(ports.find()).isTrue();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
            assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                    + ports.group(1) + "/app/x?y=1")).header("traceparent", "00-" + trace + "-00f067aa0ba902b7-01")
                    .build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(204);
            tools.jackson.databind.JsonNode line = new tools.jackson.databind.ObjectMapper().readTree(out.readLine());
            assertThat(line.path("loggerName").asString()).isEqualTo("ballast.access");
            assertThat(line.path("level").asString()).isEqualTo("INFO");
            assertThat(line.path("formattedMessage").asString()).matches("127\\.0\\.0\\.1 \"GET /app/x\\?y=1\" 204 \\d+\\.\\d{3} app "
                    + "127\\.0\\.0\\.1:" + backend.getAddress().getPort() + " " + trace);
            assertThat(line.path("mdc").path("trace_id").asString()).isEqualTo(trace);
            assertThat(line.path("mdc").path("span_id").asString()).matches("[0-9a-f]{16}").isNotEqualTo("00f067aa0ba902b7");
            assertThat(line.path("kvpList").toString()).contains("\"status\":\"204\"", "\"route\":\"app\"");
        } finally {
            dataplane.destroy();
            backend.stop(0);
        }
        assertThat(dataplane.waitFor(10, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }

    @Test
    void theOpenTelemetrySdksOwnLinesAreJsonToo() throws Exception {
        ProcessBuilder command = jar("dataplane", "--routes",
                "examples", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--log-format", "json")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // metrics exported every 300 ms to a port where nothing listens: the SDK logs the failure (java.util.logging)
        command.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9");
        command.environment().put("OTEL_METRIC_EXPORT_INTERVAL", "300");
        Process dataplane = startBounded(command);
        tools.jackson.databind.ObjectMapper json = new tools.jackson.databind.ObjectMapper();
        try (java.io.BufferedReader err = new java.io.BufferedReader(
                new java.io.InputStreamReader(dataplane.getErrorStream(), StandardCharsets.UTF_8))) {
            tools.jackson.databind.JsonNode failure = null;
            for (String line = err.readLine(); line != null && failure == null; line = err.readLine()) {
                tools.jackson.databind.JsonNode parsed = json.readTree(line); // every line: one JSON object
                if (parsed.path("formattedMessage").asString().contains("Failed to export metrics")) {
                    failure = parsed;
                }
            }
            assertThat(failure).as("the SDK's export failure, as a JSON line").isNotNull();
            assertThat(failure.path("loggerName").asString()).startsWith("io.opentelemetry");
            assertThat(failure.path("level").asString()).isEqualTo("ERROR");
        } finally {
            dataplane.destroyForcibly();
        }
    }

    @Test
    void textLinesLoggedInsideAPassEndWithItsTraceAndSpanIds() throws Exception {
        assertThat(firstWarning(java.util.Map.of())).contains("Docker API call failed").doesNotContain("trace_id=");
        // traces on (exported nowhere: the export fails quietly): the same line, now inside a traced pass
        assertThat(firstWarning(java.util.Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9",
                "OTEL_METRICS_EXPORTER", "none"))).contains("Docker API call failed")
                .containsPattern(" trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16}$");
    }

    /** The first WARN line of a controller whose Docker host refuses connections. */
    private static String firstWarning(java.util.Map<String, String> env) throws Exception {
        ProcessBuilder command = jar("controller", "--docker-host",
                "tcp://127.0.0.1:9", "--listen", "127.0.0.1:0").redirectOutput(ProcessBuilder.Redirect.DISCARD);
        command.environment().putAll(env);
        Process controller = startBounded(command);
        try (java.io.BufferedReader err = new java.io.BufferedReader(
                new java.io.InputStreamReader(controller.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = err.readLine(); line != null; line = err.readLine()) {
                if (line.contains(" WARN ")) {
                    return line;
                }
            }
            return "";
        } finally {
            controller.destroyForcibly();
        }
    }

    @Test
    void unusableOpenTelemetrySettingsAreRefusedNamingThem() throws Exception {
        java.util.Map<String, String> env = java.util.Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon");
        Result dataplane = ballast(env, "dataplane", "--routes", "examples", "--listen", "127.0.0.1:0",
                "--admin-listen", "127.0.0.1:0");
        assertThat(dataplane.exit()).isEqualTo(2);
        assertThat(dataplane.err()).contains("ballast dataplane: OpenTelemetry settings (OTEL_* variables): ",
                "carrier-pigeon").doesNotContain("route files");
        Result controller = ballast(env, "controller", "--docker-host", "tcp://127.0.0.1:9", "--listen",
                "127.0.0.1:0");
        assertThat(controller.exit()).isEqualTo(2);
        assertThat(controller.err()).contains("ballast controller: OpenTelemetry settings (OTEL_* variables): ",
                "carrier-pigeon");
    }

    @Test
    void anUnknownLogFormatIsRefusedNamingTheFlag() throws Exception {
        Result result = ballast("dataplane", "--routes", "examples", "--log-format", "xml");
        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("--log-format", "\"xml\" is not a log format (expected text or json)");
    }

    @Test
    void theStandaloneDataplaneServesTheGoodRouteFilesAndNamesTheBadOne() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "apiVersion: ballast.dev/v1alpha1\nkind: Route\nmetadata:\n  name: bad\n"
                + "spec:\n  endpoints: [{ address: \"127.0.0.1:9\" }]\n  rules:\n    - paths: [nope]\n");
        Files.writeString(dir.resolve("good.yaml"), "apiVersion: ballast.dev/v1alpha1\nkind: Route\n"
                + "metadata:\n  name: good\nspec:\n  endpoints: [{ address: \"127.0.0.1:9\" }]\n"
                + "  rules:\n    - paths: [/good]\n");
        Process dataplane = startBounded(jar("dataplane", "--routes", dir.toString(), "--listen", "127.0.0.1:0",
                "--admin-listen", "127.0.0.1:0"));
        try (java.io.BufferedReader out = new java.io.BufferedReader(
                new java.io.InputStreamReader(dataplane.getInputStream(), StandardCharsets.UTF_8));
             java.io.BufferedReader err = new java.io.BufferedReader(
                new java.io.InputStreamReader(dataplane.getErrorStream(), StandardCharsets.UTF_8))) {
            String started = out.readLine();
            assertThat(started).startsWith("ballast dataplane: 1 route(s) from " + dir + " (1 problem(s), logged above"
                    + " and listed by /readyz); traffic on 127.0.0.1:");
            assertThat(err.readLine()).contains(" WARN ", "route file problem: " + bad + ":8: spec.rules[0].paths[0]: ");
            java.util.regex.Matcher admin = java.util.regex.Pattern.compile("admin on 127\\.0\\.0\\.1:(\\d+)")
                    .matcher(started);
            assertThat(admin.find()).isTrue();
            java.net.http.HttpResponse<String> ready = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + admin.group(1)
                            + "/readyz")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"problems\":[\"" + bad + ":8: ");
        } finally {
            dataplane.destroy();
        }
        assertThat(dataplane.waitFor(10, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();

        Result missing = ballast("dataplane", "--routes", dir.resolve("nowhere").toString(), "--listen",
                "127.0.0.1:0", "--admin-listen", "127.0.0.1:0");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("ballast dataplane: --routes " + dir.resolve("nowhere")
                + ": no such file or directory");
    }

    @Test
    void dockerFlowVariablesThatAreNotHonouredAreNamedAtStartButNotTheirValues() throws Exception {
        ProcessBuilder command = jar("dataplane", "--routes", "examples", "--listen", "127.0.0.1:0", "--admin-listen",
                "127.0.0.1:0").redirectOutput(ProcessBuilder.Redirect.DISCARD);
        command.environment().putAll(java.util.Map.of("STATS_USER", "admin", "STATS_PASS", "hunter2-secret",
                "HTTPS_ONLY", "true", "TIMEOUT_SERVER", "30", "USERS", "u:also-secret"));
        Process dataplane = startBounded(command);
        List<String> warnings = new ArrayList<>();
        try (java.io.BufferedReader err = new java.io.BufferedReader(
                new java.io.InputStreamReader(dataplane.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = err.readLine(); line != null && warnings.size() < 3; line = err.readLine()) {
                warnings.add(line);
            }
        } finally {
            dataplane.destroy();
        }
        assertThat(warnings).hasSize(3);
        assertThat(String.join("\n", warnings)).contains(
                "Docker Flow variable HTTPS_ONLY is set but not honoured: read by the controller (--https-only)",
                "Docker Flow variable STATS_PASS is set but not honoured: there is no HAProxy stats page",
                "Docker Flow variable STATS_USER is set but not honoured")
                .doesNotContain("hunter2-secret", "also-secret", "TIMEOUT_SERVER", "USERS");
    }

    @Test
    void aDataplaneWhoseAddressIsTakenSaysWhichAndExits() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            Result result = ballast("dataplane", "--routes", "examples", "--listen",
                    "127.0.0.1:" + taken.getLocalPort(), "--admin-listen", "127.0.0.1:0");
            assertThat(result.exit()).as(result.err()).isEqualTo(1);
            assertThat(result.err()).contains("ballast dataplane: cannot open the traffic listener on 127.0.0.1:"
                    + taken.getLocalPort());
        }
    }

    @Test
    void printsItsVersion() throws Exception {
        Result result = ballast("--version");
        assertThat(result.exit()).isZero();
        assertThat(result.out()).matches("ballast \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\n");
    }
}
