package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which endpoint gets a request under the default balancer (PeakEwma), through a running replica to real backends on
 * loopback: sequential requests visit every endpoint in turn, a new endpoint gets traffic at once, and a slow endpoint
 * gets little of a concurrent load.
 */
class BalancingTest {

    final List<NamedBackend> backends = new ArrayList<>();
    final List<ExecutorService> executors = new ArrayList<>();
    DataplaneServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5)));
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
        backends.forEach(NamedBackend::close);
        executors.forEach(ExecutorService::shutdownNow);
    }

    /** A backend answering its name after {@code delayMillis}; its address. */
    String backend(String name, long delayMillis) throws InterruptedException {
        NamedBackend backend = new NamedBackend(name, delayMillis);
        backends.add(backend);
        return backend.address();
    }

    /** Applies one route, {@code name}, on path /{@code name}/ to {@code addresses}, with the default balancer. */
    void route(String name, List<String> addresses) {
        String endpoints = addresses.stream().map(a -> "{ address: \"" + a + "\" }").collect(Collectors.joining(", "));
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: %s }
                spec: { endpoints: [%s], rules: [{ paths: [/%s/] }] }
                """.formatted(name, endpoints, name)), "test");
    }

    /** Which backend answered a GET of {@code path}. */
    String get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.trafficAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    List<String> sequential(String path, int requests) throws Exception {
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            answered.add(get(path));
        }
        return answered;
    }

    List<String> backends(String prefix, int n) throws InterruptedException {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            addresses.add(backend(prefix + i, 0));
        }
        return addresses;
    }

    @Test
    void sequentialRequestsVisitEveryEndpointInTurn() throws Exception {
        route("three", backends("t", 3));
        assertThat(sequential("/three/", 3)).as("3 requests, 3 tasks").containsExactlyInAnyOrder("t0", "t1", "t2");
        route("five", backends("f", 5));
        assertThat(sequential("/five/", 5)).as("5 requests, 5 tasks")
                .containsExactlyInAnyOrder("f0", "f1", "f2", "f3", "f4");
    }

    @Test
    void newEndpointsGetTrafficAtOnce() throws Exception {
        List<String> addresses = backends("s", 3);
        route("scaled", addresses);
        assertThat(sequential("/scaled/", 6)).containsOnly("s0", "s1", "s2");
        addresses.add(backend("s3", 0));
        addresses.add(backend("s4", 0));
        route("scaled", addresses); // docker service scale http_http=5
        assertThat(sequential("/scaled/", 2)).as("the new tasks, tried before any other")
                .containsExactlyInAnyOrder("s3", "s4");
    }

    @Test
    void aSlowEndpointGetsLittleOfAConcurrentLoad() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        executors.add(clients);
        // A warm proxy, as it is once it has run a while: the first requests of a JVM are slow, and a peak estimate
        // keeps such a peak for many seconds, which would make a 2-second measurement say little. Then how long a
        // request takes on this machine now.
        route("warmup", List.of(backend("warm", 0)));
        load(clients, "/warmup/", Duration.ofSeconds(1));
        Load warm = load(clients, "/warmup/", Duration.ofMillis(500));
        // 50 ms, or 3 times what a request takes here when that is more: on a shared machine, a request to a "fast"
        // backend can itself take tens of ms, and a balancer that weighs latency rightly sends some of a queue to an
        // endpoint only a little slower than the others.
        long slowMillis = Math.min(1000, Math.max(50, 3 * warm.medianMillis()));
        route("mixed", List.of(backend("fast0", 0), backend("fast1", 0), backend("slow", slowMillis)));
        Map<String, Integer> counts = load(clients, "/mixed/", Duration.ofSeconds(2)).counts();
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        double slowShare = counts.getOrDefault("slow", 0) / (double) total;
        assertThat(total).isGreaterThan(30);
        assertThat(slowShare).as("share of the endpoint %d ms slower (1/3 under round robin): %s", slowMillis, counts)
                .isLessThan(0.15);
    }

    static final int CLIENTS = 12;

    /** What a load run saw: how many requests each backend answered, and the median time a request took. */
    record Load(Map<String, Integer> counts, long medianMillis) {
    }

    /** {@link #CLIENTS} clients sending requests one after the other for {@code duration}. */
    Load load(ExecutorService clients, String path, Duration duration) throws Exception {
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        List<Long> took = Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + duration.toNanos();
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            running.add(clients.submit(() -> {
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    counts.computeIfAbsent(get(path), k -> new AtomicInteger()).incrementAndGet();
                    took.add(System.nanoTime() - start);
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        List<Long> sorted = took.stream().sorted().toList();
        return new Load(counts.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())),
                Duration.ofNanos(sorted.get(sorted.size() / 2)).toMillis());
    }
}
