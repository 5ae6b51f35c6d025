package dev.ballast.dist.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import com.github.dockerjava.api.model.ServiceRestartPolicy;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.TaskSpec;
import dev.ballast.config.ConfigResolver;
import dev.ballast.config.ControllerConfig;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.controller.Controller;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.dataplane.Replica;
import dev.ballast.dist.demo.WhoamiService;
import dev.ballast.sim.SwarmSim;
import dev.ballast.sim.model.TaskRecord;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Convergence, measured end to end on loopback (bench/convergence.sh runs it):
 * <ol>
 *   <li>from the return of docker-java's {@code createService} to the first 200 on every replica, over 50 services;
 *   <li>from a task killed in the emulator to its endpoint leaving every replica's table;
 *   <li>from {@code java -jar ballast.jar dataplane} process start to ready with 1,000 routes, pulled from the
 *       controller and (controller down) read from the state directory.
 * </ol>
 * The emulator, the controller and two replicas run in this JVM with their production defaults; part 3 starts real
 * processes. Each replica is polled every millisecond, so the figures include up to 1 ms of polling.
 */
public final class ConvergenceBenchmark {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args.length > 0 ? args[0] : "dist/target/ballast.jar");
        int services = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int routes = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        try (SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults().withNodes(2))) {
            String engine = sim.listen("127.0.0.1:0");
            sim.createNetwork("proxy", true);
            Controller controller = Controller.start(ControllerConfig.from(ConfigResolver.resolve("controller",
                    ControllerConfig.SETTINGS, Optional.empty(), Map.of(),
                    Map.of("dockerHost", engine, "listen", "127.0.0.1:0"))), Clock.systemUTC());
            String controllerUrl = "http://127.0.0.1:" + controller.address().getPort();
            List<Replica> replicas = List.of(replica(controllerUrl, "bench-1"), replica(controllerUrl, "bench-2"));
            try (DockerClient docker = DockerClients.connect(engine, Duration.ofSeconds(30))) {
                // A controller and replicas that have run for a while, as in production: the first routes through
                // a fresh JVM pay for class loading and JIT compilation, reported on their own.
                List<Double> cold = served(docker, replicas, "warm", 5);
                System.out.printf("(warm-up: the first 5 services through fresh JVMs took %s ms)%n", cold.stream()
                        .map(ms -> String.format("%.0f", ms)).toList());
                report("createService returned -> first 200 on every replica (" + services + " services, "
                        + replicas.size() + " replicas)", served(docker, replicas, "svc", services), 250);
                killToGone(sim, docker, replicas, 10);
                for (Replica replica : replicas) {
                    replica.close();
                }
                processStartToReady(jar, docker, controller, controllerUrl, routes, services + 5);
            } finally {
                for (Replica replica : replicas) {
                    replica.close();
                }
                controller.close(); // again, if the last part closed it already: closing twice is harmless
            }
        }
    }

    private static Replica replica(String controllerUrl, String id) throws Exception {
        return Replica.start(DataplaneConfig.from(ConfigResolver.resolve("dataplane", DataplaneConfig.SETTINGS,
                Optional.empty(), Map.of(), Map.of("controllers", controllerUrl, "listen", "127.0.0.1:0",
                        "adminListen", "127.0.0.1:0")), id));
    }

    static String createService(DockerClient docker, String name, int replicas) {
        return createService(docker, name, replicas, null);
    }

    static String createService(DockerClient docker, String name, int replicas, ServiceRestartPolicy restart) {
        ServiceSpec spec = WhoamiService.spec(name, replicas, "proxy", Map.of("com.df.notify", "true",
                "com.df.servicePath", "/" + name + "/", "com.df.port", "8080", "com.df.lb", "RoundRobin"));
        spec.getTaskTemplate().withRestartPolicy(restart);
        return docker.createServiceCmd(spec).exec().getId();
    }

    static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    static String body(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Milliseconds from each createService's return to the first 200 on every replica. */
    private static List<Double> served(DockerClient docker, List<Replica> replicas, String prefix, int count)
            throws Exception {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = prefix + i;
            createService(docker, name, 2);
            long created = System.nanoTime();
            long last = created;
            for (Replica replica : replicas) {
                String url = "http://127.0.0.1:" + replica.server().trafficAddress().getPort() + "/" + name + "/";
                while (status(url) != 200) {
                    Thread.sleep(1);
                }
                last = System.nanoTime();
            }
            millis.add((last - created) / 1e6);
        }
        return millis;
    }

    private static void killToGone(SwarmSim sim, DockerClient docker, List<Replica> replicas, int rounds)
            throws Exception {
        // Not restarted, so that each killed task's endpoint must leave (a replacement may get the same address).
        String serviceId = createService(docker, "victim", rounds + 2,
                new ServiceRestartPolicy().withCondition(ServiceRestartCondition.NONE));
        List<Double> millis = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            // a running task whose endpoint every replica has: that is the one to kill
            TaskRecord task = null;
            String address = null;
            long since = System.nanoTime();
            while (task == null) {
                Thread.sleep(5);
                if (System.nanoTime() - since > 5_000_000_000L) {
                    throw new IllegalStateException("no running task of the victim in every replica: "
                            + sim.cluster().read(c -> c.tasks().stream().filter(t -> t.serviceId.equals(serviceId))
                            .map(t -> t.id + "/" + t.state + "/" + t.addresses + ":" + t.port).toList())
                            + "\n" + config(replicas.get(0)));
                }
                List<String> configs = new ArrayList<>();
                for (Replica replica : replicas) {
                    configs.add(config(replica));
                }
                for (TaskRecord candidate : sim.cluster().read(c -> c.tasks().stream()
                        .filter(t -> t.serviceId.equals(serviceId) && t.isRunning()).toList())) {
                    String endpoint = candidate.addresses.values().iterator().next(); // the port is the rule's
                    if (configs.stream().allMatch(c -> c.contains("\"" + endpoint + "\""))) {
                        task = candidate;
                        address = endpoint;
                        break;
                    }
                }
            }
            sim.killTask(task.id);
            long killed = System.nanoTime();
            for (Replica replica : replicas) {
                while (config(replica).contains("\"" + address + "\"")) {
                    Thread.sleep(1);
                }
            }
            millis.add((System.nanoTime() - killed) / 1e6);
        }
        report("task killed -> its endpoint gone from every replica (" + rounds + " kills)", millis, 3000);
    }

    private static String config(Replica replica) throws Exception {
        return body("http://127.0.0.1:" + replica.server().adminAddress().getPort() + "/v1/docker-flow-proxy/config");
    }

    private static void processStartToReady(Path jar, DockerClient docker, Controller controller,
                                            String controllerUrl, int routes, int existing) throws Exception {
        // Off the overlay network (a /24 has room for 254 addresses, and each service on it takes a VIP): routes
        // without endpoints, which cost the replica the same to validate and compile.
        for (int i = existing; i < routes; i++) {
            docker.createServiceCmd(new ServiceSpec().withName("svc" + i)
                    .withLabels(Map.of("com.df.notify", "true", "com.df.servicePath", "/svc" + i + "/",
                            "com.df.port", "8080"))
                    .withTaskTemplate(new TaskSpec().withContainerSpec(new ContainerSpec().withImage("busybox")))
                    .withMode(WhoamiService.replicated(0))).exec();
        }
        while (controller.store().current().routes().size() < routes + 1) { // + the victim
            Thread.sleep(50);
        }
        Path state = Files.createTempDirectory("ballast-bench-state");
        // The Docker image starts the JVM with a class-data archive (AppCDS) made by a training run at build time;
        // this run also leaves the snapshot in the state directory for the rows that start from it.
        Path archive = state.resolve("ballast.jsa");
        startToReady(jar, controllerUrl, state, List.of("-XX:ArchiveClassesAtExit=" + archive));
        List<String> appCds = List.of("-XX:SharedArchiveFile=" + archive);
        String pulled = "dataplane process start -> ready, " + (routes + 1) + " routes pulled from the controller";
        startsToReady(pulled, jar, controllerUrl, null, List.of());
        startsToReady(pulled + ", AppCDS", jar, controllerUrl, null, appCds);
        controller.close();
        String fromDisk = "dataplane process start -> ready, " + (routes + 1)
                + " routes from --state-dir, controller down";
        startsToReady(fromDisk, jar, controllerUrl, state, List.of());
        startsToReady(fromDisk + ", AppCDS", jar, controllerUrl, state, appCds);
    }

    /** Five starts of a dataplane process ({@code state}: its state directory, or null for none), reported. */
    private static void startsToReady(String what, Path jar, String controllerUrl, Path state, List<String> jvm)
            throws Exception {
        List<Double> millis = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            millis.add(startToReady(jar, controllerUrl, state, jvm));
        }
        report(what, millis, 2000);
    }

    private static double startToReady(Path jar, String controllerUrl, Path state, List<String> jvmOptions)
            throws Exception {
        int admin;
        try (ServerSocket probe = new ServerSocket(0)) {
            admin = probe.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        long start = System.nanoTime();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "dataplane", "--controller", controllerUrl,
                "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:" + admin));
        if (state != null) {
            command.addAll(List.of("--state-dir", state.toString()));
        }
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            while (status("http://127.0.0.1:" + admin + "/readyz") != 200) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the dataplane exited with " + process.exitValue());
                }
                Thread.sleep(2);
            }
            return (System.nanoTime() - start) / 1e6;
        } finally {
            process.destroy();
            process.waitFor();
        }
    }

    private static void report(String what, List<Double> millis, double target) {
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        double p50 = percentile(sorted, 50);
        double p99 = percentile(sorted, 99);
        System.out.printf("%-95s n=%-3d p50 %8.1f ms  p99 %8.1f ms  max %8.1f ms  (target %s %.0f ms)%n", what,
                sorted.size(), p50, p99, sorted.get(sorted.size() - 1), p99 <= target ? "met:" : "MISSED:", target);
    }

    /** Nearest-rank percentile. */
    static double percentile(List<Double> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
