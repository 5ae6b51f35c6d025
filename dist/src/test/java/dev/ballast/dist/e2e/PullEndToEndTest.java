package dev.ballast.dist.e2e;

import static dev.ballast.dist.e2e.SwarmSystem.admin;
import static dev.ballast.dist.e2e.SwarmSystem.get;
import static dev.ballast.dist.e2e.SwarmSystem.hostname;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.dataplane.Replica;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Swarm-sim, a controller and two dataplane replicas over real sockets: replicas converge by pulling, keep serving
 * without the controller, and restart from their state directory.
 */
class PullEndToEndTest {

    static final Duration CONVERGE = Duration.ofSeconds(10);
    /**
     * After a controller restart: one pull may have been caught by the shutdown and hang until its timeout (the
     * replica's 10 s wait plus 5 s); seen about once in five runs under CPU load, cause not found yet.
     */
    static final Duration AFTER_RESTART = Duration.ofSeconds(20);

    @TempDir
    Path state;

    SwarmSystem system;
    Replica one;
    Replica two;

    @BeforeEach
    void start() throws Exception {
        system = new SwarmSystem();
        one = system.startReplica("one", state.resolve("one"));
        two = system.startReplica("two", state.resolve("two"));
    }

    @AfterEach
    void stop() throws Exception {
        system.close();
    }

    private static void awaitStatus(Replica replica, String path, int status) {
        awaitStatus(replica, path, status, CONVERGE);
    }

    private static void awaitStatus(Replica replica, String path, int status, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(20)).until(() -> get(replica, path).statusCode() == status);
    }

    /** The whoami hostnames seen in {@code requests} answers (one per task that served). */
    private static Set<String> servers(Replica replica, String path, int requests) throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = get(replica, path);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            seen.add(hostname(response));
        }
        return seen;
    }

    @Test
    void replicasBecomeReadyFromTheControllerAndSayWhere() throws Exception {
        await().atMost(CONVERGE).until(() -> admin(one, "/readyz").statusCode() == 200);
        assertThat(admin(one, "/readyz").body()).contains("\"source\":\"controller " + system.controllerUrl());
        String version = system.controller().store().current().version();
        await().atMost(CONVERGE).until(() -> admin(two, "/v1/docker-flow-proxy/config").body()
                .contains("\"version\":\"" + version + "\""));
    }

    @Test
    void aServiceIsRoutedByBothReplicasAndFollowsItsScale() throws Exception {
        // Round robin, so that a handful of sequential requests reaches every task (PeakEwma would rightly keep
        // favouring the tasks it has already measured as fast).
        system.createService("go-demo", 3, "com.df.notify=true", "com.df.servicePath=/demo", "com.df.port=8080",
                "com.df.lb=RoundRobin");
        awaitStatus(one, "/demo", 200);
        awaitStatus(two, "/demo", 200);
        await().atMost(CONVERGE).until(() -> servers(one, "/demo", 12).size() == 3);

        system.scale("go-demo", 5);
        for (Replica replica : List.of(one, two)) {
            await().atMost(CONVERGE).until(() -> servers(replica, "/demo", 20).size() == 5);
        }

        system.removeService("go-demo");
        awaitStatus(one, "/demo", 404);
        awaitStatus(two, "/demo", 404);
    }

    @Test
    void aReplicaStartedLateConvergesWithoutAnyPush() throws Exception {
        system.createService("late", 1, "com.df.notify=true", "com.df.servicePath=/late", "com.df.port=8080");
        awaitStatus(one, "/late", 200);
        Replica three = system.startReplica("three", null);
        awaitStatus(three, "/late", 200);
    }

    @Test
    void aServiceWithBadLabelsLeavesTheOthersUntouched() throws Exception {
        system.createService("good", 1, "com.df.notify=true", "com.df.servicePath=/good", "com.df.port=8080");
        awaitStatus(one, "/good", 200);
        system.createService("bad", 1, "com.df.notify=true", "com.df.servicePath=/bad", "com.df.port=eighty");
        system.createService("after", 1, "com.df.notify=true", "com.df.servicePath=/after", "com.df.port=8080");
        awaitStatus(two, "/after", 200);
        assertThat(get(two, "/good").statusCode()).isEqualTo(200);
        assertThat(get(two, "/bad").statusCode()).as("the invalid route is not served").isEqualTo(404);
    }

    @Test
    void withoutTheControllerReplicasKeepServingAndRestartFromTheirStateDirectory() throws Exception {
        system.createService("steady", 2, "com.df.notify=true", "com.df.servicePath=/steady", "com.df.port=8080");
        awaitStatus(one, "/steady", 200);
        awaitStatus(two, "/steady", 200);
        String version = system.controller().store().current().version();
        await().atMost(CONVERGE).until(() -> admin(one, "/readyz").body().contains(version));

        system.stopController();
        for (int i = 0; i < 50; i++) {
            assertThat(get(i % 2 == 0 ? one : two, "/steady").statusCode()).as("request %d", i).isEqualTo(200);
        }

        // Restarted while no controller answers: it serves at once from what it kept.
        system.stopReplica(one);
        Replica restarted = system.startReplica("one", state.resolve("one"));
        assertThat(admin(restarted, "/readyz").statusCode()).isEqualTo(200);
        assertThat(admin(restarted, "/readyz").body()).contains("\"source\":\"state-dir ", version);
        assertThat(get(restarted, "/steady").statusCode()).isEqualTo(200);

        // A change made while the controller is down arrives when it returns.
        system.createService("meanwhile", 1, "com.df.notify=true", "com.df.servicePath=/meanwhile",
                "com.df.port=8080");
        assertThat(get(restarted, "/meanwhile").statusCode()).isEqualTo(404);
        system.startController();
        awaitStatus(restarted, "/meanwhile", 200, AFTER_RESTART);
        awaitStatus(two, "/meanwhile", 200, AFTER_RESTART);
        assertThat(admin(restarted, "/readyz").body()).contains("\"source\":\"controller ");
    }

    @Test
    void aReplicaWithNothingIsNotReadyUntilAControllerAnswers() throws Exception {
        system.stopController();
        Replica lonely = system.startReplica("lonely", state.resolve("lonely"));
        assertThat(admin(lonely, "/readyz").statusCode()).isEqualTo(503);
        assertThat(get(lonely, "/anything").statusCode()).isEqualTo(404);
        system.startController();
        await().atMost(CONVERGE).until(() -> admin(lonely, "/readyz").statusCode() == 200);
    }

    @Test
    void twentyRouteChangesUnderSteadyLoadFailNoRequest() throws Exception {
        system.createService("load", 2, "com.df.notify=true", "com.df.servicePath=/load", "com.df.port=8080");
        awaitStatus(one, "/load", 200);
        awaitStatus(two, "/load", 200);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread[] clients = new Thread[4];
        for (int c = 0; c < clients.length; c++) {
            Replica replica = c % 2 == 0 ? one : two;
            clients[c] = new Thread(() -> {
                while (running.get() && failure.get() == null) {
                    try {
                        HttpResponse<String> response = get(replica, "/load");
                        if (response.statusCode() != 200) {
                            failure.set(response.statusCode() + " " + response.body());
                        }
                        ok.incrementAndGet();
                    } catch (Exception e) {
                        failure.set(e.toString());
                    }
                }
            });
            clients[c].start();
        }
        for (int i = 0; i < 20; i++) {
            String path = "/load,/v" + i;
            system.updateService("load", spec -> spec.getLabels().put("com.df.servicePath", path));
            int n = i;
            awaitStatus(one, "/v" + n, 200);
            awaitStatus(two, "/v" + n, 200);
        }
        running.set(false);
        for (Thread client : clients) {
            client.join();
        }
        assertThat(failure.get()).as("a failed request").isNull();
        assertThat(ok.get()).as("requests served during the changes").isGreaterThan(100);
    }
}
