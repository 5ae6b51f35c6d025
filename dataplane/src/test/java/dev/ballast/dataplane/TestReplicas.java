package dev.ballast.dataplane;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.RouteLoader;
import dev.ballast.schema.Snapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What the dataplane's tests start: standalone replicas on loopback ports the system picks, and their routes. */
public final class TestReplicas {

    private static final HostPort ANY_LOOPBACK_PORT = new HostPort("127.0.0.1", 0);

    private TestReplicas() {
    }

    /**
     * A standalone replica's settings: connect 2 s, client 20 s, tunnel 1 h, first request 5 s, keep-alive 15 s,
     * 8 KiB of headers, no access log, two traffic loops on io_uring where available (the default); the server and
     * drain timeouts as the test needs them.
     */
    public static DataplaneConfig config(Duration serverTimeout, Duration drainTimeout) {
        return new DataplaneConfig(List.of(), Optional.empty(), List.of(ANY_LOOPBACK_PORT), ANY_LOOPBACK_PORT,
                Optional.empty(),
                "test", Duration.ofSeconds(2), Duration.ofSeconds(20), serverTimeout, Duration.ofHours(1),
                Duration.ofSeconds(5), Duration.ofSeconds(15), 8192, drainTimeout, false, 2, Path.of("/run/secrets"),
                Optional.empty(), false, DataplaneConfig.Compression.OFF, Optional.empty(),
                DataplaneConfig.Tls.NONE, List.of(), Optional.empty(), true, Optional.empty(),
                DataplaneConfig.Limits.DEFAULT);
    }

    public static DataplaneConfig config(Duration serverTimeout) {
        return config(serverTimeout, Duration.ofSeconds(1));
    }

    /** The same settings pulling from {@code controllers} (nothing is started that pulls: only the server). */
    public static DataplaneConfig withControllers(DataplaneConfig c, List<java.net.URI> controllers) {
        return new DataplaneConfig(controllers, Optional.empty(), c.listen(), c.adminListen(), c.stateDir(),
                c.replicaId(), c.timeoutConnect(), c.timeoutClient(), c.timeoutServer(), c.timeoutTunnel(),
                c.timeoutHttpRequest(), c.timeoutKeepAlive(), c.maxHeaderSize(), c.drainTimeout(), c.accessLog(),
                c.threads(), c.secretsDir(), c.users(), c.usersPassEncrypted(), c.compression(), c.errorPages(),
                c.tls(), c.trustedProxies(), c.tokenFile(), c.ioUring(), c.backendCaFile(),
                c.limits());
    }

    /** The same settings serving the route files under {@code routes} (standalone mode). */
    public static DataplaneConfig withRoutes(DataplaneConfig c, Path routes) {
        return new DataplaneConfig(List.of(), Optional.of(routes), c.listen(), c.adminListen(), c.stateDir(),
                c.replicaId(), c.timeoutConnect(), c.timeoutClient(), c.timeoutServer(), c.timeoutTunnel(),
                c.timeoutHttpRequest(), c.timeoutKeepAlive(), c.maxHeaderSize(), c.drainTimeout(), c.accessLog(),
                c.threads(), c.secretsDir(), c.users(), c.usersPassEncrypted(), c.compression(), c.errorPages(),
                c.tls(), c.trustedProxies(), c.tokenFile(), c.ioUring(), c.backendCaFile(),
                c.limits());
    }

    /**
     * The same settings with HTTPS: {@code tls} (its listeners, {@code --certs}, {@code --default-cert}), the
     * {@code cert-*} secrets of {@code secretsDir}, and {@code --trusted-proxies}.
     */
    public static DataplaneConfig withTls(DataplaneConfig c, DataplaneConfig.Tls tls, Path secretsDir,
                                          List<dev.ballast.config.Cidr> trustedProxies) {
        return new DataplaneConfig(c.controllers(), c.routes(), c.listen(), c.adminListen(), c.stateDir(),
                c.replicaId(), c.timeoutConnect(), c.timeoutClient(), c.timeoutServer(), c.timeoutTunnel(),
                c.timeoutHttpRequest(), c.timeoutKeepAlive(), c.maxHeaderSize(), c.drainTimeout(), c.accessLog(),
                c.threads(), secretsDir, c.users(), c.usersPassEncrypted(), c.compression(), c.errorPages(), tls,
                trustedProxies, c.tokenFile(), c.ioUring(), c.backendCaFile(),
                c.limits());
    }

    /** The same settings with {@code --backend-ca-file}: the CAs of the certificates of H2 routes' endpoints. */
    public static DataplaneConfig withBackendCa(DataplaneConfig c, Path caFile) {
        return new DataplaneConfig(c.controllers(), c.routes(), c.listen(), c.adminListen(), c.stateDir(),
                c.replicaId(), c.timeoutConnect(), c.timeoutClient(), c.timeoutServer(), c.timeoutTunnel(),
                c.timeoutHttpRequest(), c.timeoutKeepAlive(), c.maxHeaderSize(), c.drainTimeout(), c.accessLog(),
                c.threads(), c.secretsDir(), c.users(), c.usersPassEncrypted(), c.compression(), c.errorPages(),
                c.tls(), c.trustedProxies(), c.tokenFile(), c.ioUring(), Optional.of(caFile),
                c.limits());
    }

    /** The same settings with traffic on epoll ({@code --io-uring false}; the default is io_uring where available). */
    public static DataplaneConfig withEpoll(DataplaneConfig c) {
        return new DataplaneConfig(c.controllers(), c.routes(), c.listen(), c.adminListen(), c.stateDir(),
                c.replicaId(), c.timeoutConnect(), c.timeoutClient(), c.timeoutServer(), c.timeoutTunnel(),
                c.timeoutHttpRequest(), c.timeoutKeepAlive(), c.maxHeaderSize(), c.drainTimeout(), c.accessLog(),
                c.threads(), c.secretsDir(), c.users(), c.usersPassEncrypted(), c.compression(), c.errorPages(),
                c.tls(), c.trustedProxies(), c.tokenFile(), false, c.backendCaFile(), c.limits());
    }

    /**
     * The same settings with {@code extra} more plain listeners ({@code --listen} again), each on a loopback port the
     * system picks: {@code trafficAddresses()} lists them after the first.
     */
    public static DataplaneConfig withListeners(DataplaneConfig c, int extra) {
        List<HostPort> listen = new java.util.ArrayList<>(c.listen());
        for (int i = 0; i < extra; i++) {
            listen.add(ANY_LOOPBACK_PORT);
        }
        return new DataplaneConfig(c.controllers(), c.routes(), listen, c.adminListen(), c.stateDir(),
                c.replicaId(), c.timeoutConnect(), c.timeoutClient(), c.timeoutServer(), c.timeoutTunnel(),
                c.timeoutHttpRequest(), c.timeoutKeepAlive(), c.maxHeaderSize(), c.drainTimeout(), c.accessLog(),
                c.threads(), c.secretsDir(), c.users(), c.usersPassEncrypted(), c.compression(), c.errorPages(),
                c.tls(), c.trustedProxies(), c.tokenFile(), c.ioUring(), c.backendCaFile(),
                c.limits());
    }

    /** The same settings with {@code --access-log} on. */
    public static DataplaneConfig withAccessLog(DataplaneConfig c) {
        return copy(c, true, c.threads(), c.secretsDir(), c.users(), c.usersPassEncrypted(), c.compression(),
                c.errorPages());
    }

    /** The same settings with these admission limits. */
    public static DataplaneConfig withLimits(DataplaneConfig c, DataplaneConfig.Limits limits) {
        return new DataplaneConfig(c.controllers(), c.routes(), c.listen(), c.adminListen(), c.stateDir(),
                c.replicaId(), c.timeoutConnect(), c.timeoutClient(), c.timeoutServer(), c.timeoutTunnel(),
                c.timeoutHttpRequest(), c.timeoutKeepAlive(), c.maxHeaderSize(), c.drainTimeout(), c.accessLog(),
                c.threads(), c.secretsDir(), c.users(), c.usersPassEncrypted(), c.compression(), c.errorPages(),
                c.tls(), c.trustedProxies(), c.tokenFile(), c.ioUring(), c.backendCaFile(), limits);
    }

    /** The same settings with {@code --threads} traffic loops. */
    public static DataplaneConfig withThreads(DataplaneConfig c, int threads) {
        return copy(c, c.accessLog(), threads, c.secretsDir(), c.users(), c.usersPassEncrypted(), c.compression(),
                c.errorPages());
    }

    /** The same settings, compressing with {@code algorithms} the {@code types} (none: the default ones). */
    public static DataplaneConfig withCompression(DataplaneConfig c, List<String> algorithms, List<String> types) {
        return copy(c, c.accessLog(), c.threads(), c.secretsDir(), c.users(), c.usersPassEncrypted(),
                new DataplaneConfig.Compression(algorithms, types), c.errorPages());
    }

    /** The same settings with {@code --error-pages dir}. */
    public static DataplaneConfig withErrorPages(DataplaneConfig c, Path dir) {
        return copy(c, c.accessLog(), c.threads(), c.secretsDir(), c.users(), c.usersPassEncrypted(), c.compression(),
                Optional.of(dir));
    }

    /** The same settings with {@code --secrets-dir}, {@code USERS} and {@code USERS_PASS_ENCRYPTED}. */
    public static DataplaneConfig withUsers(DataplaneConfig c, Path secretsDir, Optional<String> users,
                                            boolean encrypted) {
        return copy(c, c.accessLog(), c.threads(), secretsDir, users, encrypted, c.compression(), c.errorPages());
    }

    private static DataplaneConfig copy(DataplaneConfig c, boolean accessLog, int threads, Path secretsDir,
                                        Optional<String> users, boolean usersPassEncrypted,
                                        DataplaneConfig.Compression compression, Optional<Path> errorPages) {
        return new DataplaneConfig(c.controllers(), c.routes(), c.listen(), c.adminListen(), c.stateDir(), c.replicaId(),
                c.timeoutConnect(), c.timeoutClient(), c.timeoutServer(), c.timeoutTunnel(), c.timeoutHttpRequest(),
                c.timeoutKeepAlive(), c.maxHeaderSize(), c.drainTimeout(), accessLog, threads, secretsDir, users,
                usersPassEncrypted, compression, errorPages, c.tls(), c.trustedProxies(), c.tokenFile(), c.ioUring(),
                c.backendCaFile(), c.limits());
    }

    /** An HTTP backend on a loopback port the system picks, answering every path with {@code handler}; started. */
    public static HttpServer backend(HttpHandler handler) throws IOException {
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", handler);
        backend.start();
        return backend;
    }

    /** One route, {@code name}, sending what its path prefix {@code path} matches to 127.0.0.1:{@code port}. */
    public static Snapshot route(String name, String path, int port) {
        return routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: %s }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [%s] }] }
                """.formatted(name, port, path));
    }

    /** The routes of a YAML document (each naming its own endpoints) as a snapshot. */
    public static Snapshot routes(String yaml) {
        return Snapshot.of(RouteLoader.parse("routes.yaml", yaml).routes().stream().map(LoadedRoute::route).toList(),
                List.of());
    }
}
