package dev.ballast.dataplane.labels;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.Endpoint;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.labels.LabelTranslation;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.TranslationOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

/**
 * One service's Docker Flow labels, walked the way they travel in production: translated as the controller translates
 * them, put in force in a running replica with the service's tasks as endpoints, and exercised with raw HTTP requests
 * through its traffic listener to echoing backends on loopback. The service's tasks are backends on 127.0.0.1,
 * 127.0.0.2, … sharing one port, which {@code {port}} in a label value stands for.
 */
final class LabelWalk implements AutoCloseable {

    static final String SERVICE = "walk_svc";

    private final DataplaneServer replica;
    private final List<HttpServer> backends = new ArrayList<>();
    private final List<Boolean> healthy = new CopyOnWriteArrayList<>();
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final List<ExecutorService> executors = new ArrayList<>();
    /** Tasks listed as endpoints where nothing listens (a task that died since the controller last looked). */
    private final List<String> deadTasks = new ArrayList<>();
    private final int port;

    /** A replica with {@code tasks} backends, its settings as {@link TestReplicas#config} changed by {@code settings}. */
    LabelWalk(int tasks, UnaryOperator<DataplaneConfig> settings) throws Exception {
        replica = new DataplaneServer(settings.apply(TestReplicas.config(Duration.ofSeconds(1))));
        replica.start();
        HttpServer first = backend("127.0.0.1", 0);
        port = first.getAddress().getPort();
        for (int i = 2; i <= tasks; i++) {
            backend("127.0.0." + i, port);
        }
    }

    LabelWalk(int tasks) throws Exception {
        this(tasks, UnaryOperator.identity());
    }

    /** The port every task listens on ({@code {port}} in label values). */
    int port() {
        return port;
    }

    int trafficPort() {
        return replica.trafficAddress().getPort();
    }

    DataplaneServer replica() {
        return replica;
    }

    /** From the next {@link #serve}, the service also has a task at {@code address} where nothing listens. */
    void deadTask(String address) {
        deadTasks.add(address);
    }

    /** Task {@code i} (from 0) answers its health check with 503 from now on. */
    void unhealthy(int task) {
        healthy.set(task, false);
    }

    static LabelTranslator translator() {
        return new LabelTranslator(new TranslationOptions("com.df.notify", ",", false));
    }

    /** The service's labels ({@code name=value}, {@code com.df.} may be left out) as the controller reads them. */
    static LabelTranslation translate(String... labels) {
        return translator().translateLabels(SERVICE, labels(labels, 0));
    }

    static Map<String, String> labels(String[] labels, int port) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("com.df.notify", "true");
        out.put("com.docker.stack.namespace", "walk");
        for (String label : labels) {
            String[] kv = label.split("=", 2);
            String key = kv[0].startsWith("com.") ? kv[0] : "com.df." + kv[0];
            out.put(key, kv[1].replace("{port}", String.valueOf(port)));
        }
        return out;
    }

    /** Puts the service's route in force, with the tasks as its endpoints; fails when the labels are not valid. */
    Route serve(String... labels) {
        return serveAs(SERVICE, labels);
    }

    /** Puts the route of another service with the same tasks in force too (routes served before stay). */
    Route serveAs(String service, String... labels) {
        LabelTranslation translation = translator().translateLabels(service, labels(labels, port));
        assertThat(translation).as("labels %s", List.of(labels)).isInstanceOf(LabelTranslation.Translated.class);
        Route route = ((LabelTranslation.Translated) translation).route();
        routes.put(service, route);
        List<Endpoint> tasks = new ArrayList<>(backends.stream()
                .map(b -> new Endpoint(b.getAddress().getHostString())).toList());
        deadTasks.forEach(address -> tasks.add(new Endpoint(address)));
        replica.apply(Snapshot.of(List.copyOf(routes.values()),
                routes.keySet().stream().map(name -> new Endpoints(name, tasks)).toList()), "labels");
        return route;
    }

    /** A request with {@code Host: walk.example} unless a header says otherwise, on a connection of its own. */
    Answer send(String method, String path, String... headers) throws IOException {
        return sendTo(trafficPort(), method, path, null, headers);
    }

    /** A GET on the replica's admin listener. */
    Answer admin(String path) throws IOException {
        return sendTo(replica.adminAddress().getPort(), "GET", path, null);
    }

    Answer sendTo(int listener, String method, String path, String body, String... headers) throws IOException {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
        boolean host = false;
        for (String header : headers) {
            head.append(header).append("\r\n");
            host |= header.toLowerCase(Locale.ROOT).startsWith("host:");
        }
        if (!host) {
            head.append("Host: walk.example\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket("127.0.0.1", listener)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            return Answer.read(socket.getInputStream());
        }
    }

    /** An answer as the client got it: status, headers (lower-case names), body (chunked framing removed). */
    record Answer(int status, Map<String, List<String>> headers, String body) {

        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        /** The task that answered, from the backend's {@code X-Task} header. */
        String task() {
            return header("X-Task");
        }

        static Answer read(InputStream in) throws IOException {
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int end = all.indexOf("\r\n\r\n");
            assertThat(end).as("a complete response head in: %s", all).isPositive();
            String[] lines = all.substring(0, end).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
            }
            String body = all.substring(end + 4);
            if ("chunked".equalsIgnoreCase(String.join(",", headers.getOrDefault("transfer-encoding", List.of())))) {
                body = unchunk(body);
            }
            return new Answer(status, headers, new String(body.getBytes(StandardCharsets.ISO_8859_1),
                    StandardCharsets.UTF_8));
        }

        private static String unchunk(String chunked) {
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (true) {
                int eol = chunked.indexOf("\r\n", at);
                int size = Integer.parseInt(chunked.substring(at, eol).split(";")[0].trim(), 16);
                if (size == 0) {
                    return out.toString();
                }
                out.append(chunked, eol + 2, eol + 2 + size);
                at = eol + 2 + size + 2;
            }
        }
    }

    /**
     * A task: answers every request with {@code X-Task: <its address>} and a body of the request line and headers as
     * it received them; {@code /health} answers 503 once the task is {@link #unhealthy}; {@code /slow} takes 3 s.
     */
    private HttpServer backend(String address, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 0);
        int task = backends.size();
        healthy.add(true);
        server.createContext("/", exchange -> answer(exchange, address, task));
        ExecutorService threads = Executors.newCachedThreadPool(); // /slow must not hold up the others
        server.setExecutor(threads);
        executors.add(threads);
        server.start();
        backends.add(server);
        return server;
    }

    private void answer(HttpExchange exchange, String address, int task) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        if (path.endsWith("/slow")) {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write((exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n")
                .getBytes(StandardCharsets.UTF_8));
        exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v ->
                body.writeBytes((name + ": " + v + "\n").getBytes(StandardCharsets.UTF_8))));
        exchange.getRequestBody().transferTo(body);
        int status = path.endsWith("/health") && !healthy.get(task) ? 503 : 200;
        exchange.getResponseHeaders().set("X-Task", address);
        exchange.getResponseHeaders().set("X-Backend-Only", "from the task");
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        byte[] bytes = body.toByteArray();
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        replica.close();
        backends.parallelStream().forEach(b -> b.stop(0)); // each stop waits for its dispatcher thread
        executors.forEach(ExecutorService::shutdownNow);
    }
}
