package dev.ballast.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One dataplane replica's settings, typed. See {@link #SETTINGS} for names, environment variables and defaults.
 *
 * <p>A replica gets its routes either from controllers ({@code --controller}) or from files ({@code --routes},
 * standalone); exactly one of the two must be given.
 *
 * @param controllers controller base URLs, tried in turn
 * @param routes a Route file or directory (standalone mode)
 * @param listen the plain HTTP listeners, the main one first
 * @param adminListen the admin listener (health, readiness, metrics, config)
 * @param stateDir where the last applied snapshot is kept across restarts
 * @param replicaId the name this replica reports to the controller
 * @param timeoutConnect upstream connect timeout
 * @param timeoutClient idle time allowed to a client connection
 * @param timeoutServer time allowed to an upstream to answer (per route override: {@code timeouts.server})
 * @param timeoutTunnel idle time allowed to a WebSocket or upgraded connection
 * @param timeoutHttpRequest time allowed to a client to send its request headers
 * @param timeoutKeepAlive idle time of a client keep-alive connection between requests
 * @param maxHeaderSize largest request header block accepted (larger: 431)
 * @param drainTimeout on stop, how long requests in flight may take before the replica exits
 * @param accessLog whether every request answered is logged
 * @param threads how many event loops carry traffic
 * @param secretsDir where Docker secrets are mounted: {@code dfp_users} (global users), {@code dfp_users_NAME}
 *     ({@code com.df.usersSecret=NAME})
 * @param users global basic-auth users ({@code name:password,…}) for routes without users of their own; a secret,
 *     never logged
 * @param usersPassEncrypted whether the global users' passwords are SHA-512 crypt hashes
 * @param compression what the replica compresses, and how
 * @param errorPages a directory of {@code 404.html}, {@code 503.html}, … replacing the built-in bodies
 * @param tls the HTTPS listeners and where their certificates come from
 * @param trustedProxies the sources whose forwarding headers ({@code X-Forwarded-*}, {@code Forwarded}) are believed
 * @param tokenFile the file holding the bearer token sent to controllers (the controller's {@code --token-file})
 * @param ioUring whether traffic is served with io_uring where the kernel offers it
 * @param backendCaFile the CAs that H2 routes' endpoints' certificates must chain to (else the JDK's trusted ones)
 * @param limits what the replica admits of each client
 */
public record DataplaneConfig(List<URI> controllers, Optional<Path> routes, List<HostPort> listen, HostPort adminListen,
                              Optional<Path> stateDir, String replicaId, Duration timeoutConnect,
                              Duration timeoutClient, Duration timeoutServer, Duration timeoutTunnel,
                              Duration timeoutHttpRequest, Duration timeoutKeepAlive, long maxHeaderSize,
                              Duration drainTimeout, boolean accessLog, int threads, Path secretsDir,
                              Optional<String> users, boolean usersPassEncrypted, Compression compression,
                              Optional<Path> errorPages, Tls tls, List<Cidr> trustedProxies,
                              Optional<Path> tokenFile, boolean ioUring, Optional<Path> backendCaFile,
                              Limits limits) {

    public DataplaneConfig {
        listen = List.copyOf(listen);
        trustedProxies = List.copyOf(trustedProxies);
    }

    /**
     * HTTPS: listeners that terminate TLS, and the certificates they serve (also those in {@code cert-*} secrets in
     * {@code secretsDir} and those the controller distributes).
     *
     * @param listen the TLS listeners; none: no HTTPS
     * @param certs a directory of {@code *.pem} (chain and key) and {@code NAME.crt} + {@code NAME.key} files
     * @param defaultCert the file in {@code certs} served to clients that name no host, or one no certificate covers
     */
    public record Tls(List<HostPort> listen, Optional<Path> certs, Optional<String> defaultCert) {
        public static final Tls NONE = new Tls(List.of(), Optional.empty(), Optional.empty());

        public Tls {
            listen = List.copyOf(listen);
        }
    }

    /**
     * What the replica admits of each client; 0 means no limit.
     *
     * @param maxConnections open connections per listener; past it, new ones are closed at once
     * @param maxConnectionsPerClient open connections per client address (the PROXY protocol's when it is used)
     * @param maxRequestBodySize the largest request body for rules without their own {@code maxRequestBodySize}
     * @param minRequestBodyRate bytes per second a request body must average while the proxy waits for it, after
     *     the first {@link #BODY_RATE_GRACE}
     * @param maxRequestHeaders header fields a request may have
     */
    public record Limits(int maxConnections, int maxConnectionsPerClient, long maxRequestBodySize,
                         long minRequestBodyRate, int maxRequestHeaders) {

        /** The defaults of the settings below. */
        public static final Limits DEFAULT = new Limits(20_000, 0, 0, 240, 100);

        /** How long a request body may come slower than {@code minRequestBodyRate} at first (a TCP slow start). */
        public static final Duration BODY_RATE_GRACE = Duration.ofSeconds(5);
    }

    /**
     * Response compression, as Docker Flow's {@code COMPRESSION_ALGO} / {@code COMPRESSION_TYPE} set it.
     *
     * @param algorithms content codings offered, in the proxy's order of preference; empty: compression is off
     * @param types media types compressed; empty: the default textual types
     */
    public record Compression(List<String> algorithms, List<String> types) {
        public static final Compression OFF = new Compression(List.of(), List.of());

        public Compression {
            algorithms = List.copyOf(algorithms);
            types = List.copyOf(types);
        }

        public boolean enabled() {
            return !algorithms.isEmpty();
        }
    }

    public static final Setting<List<URI>> CONTROLLERS = new Setting<>("controllers", "--controller",
            List.of("BALLAST_CONTROLLERS"), null, ValueParsers.listOf(ValueParsers::httpUrl),
            "Controller URL(s), comma-separated; any of them will do", false);
    public static final Setting<Path> ROUTES = Setting.of("routes", null, ValueParsers::path,
            "Route file or directory (standalone mode, no controller)");
    public static final Setting<List<HostPort>> LISTEN = Setting.of("listen", "0.0.0.0:80",
            ValueParsers.listOf(HostPort::parse), "HTTP listener; may be given several times (a rule's srcPort picks"
                    + " listeners by port)").asRepeatable();
    public static final Setting<HostPort> ADMIN_LISTEN = Setting.of("adminListen", "0.0.0.0:8081", HostPort::parse,
            "Admin listener: /healthz, /readyz, /metrics, /v1/docker-flow-proxy/config");
    public static final Setting<Path> STATE_DIR = Setting.of("stateDir", null, ValueParsers::path,
            "Directory where the last applied snapshot is kept across restarts");
    public static final Setting<String> REPLICA_ID = Setting.of("replicaId", null, ValueParsers::text,
            "Name reported to the controller (default: the host name)");
    public static final Setting<Duration> TIMEOUT_CONNECT = Setting.of("timeoutConnect", "5s", Durations::parse,
            "Upstream connect timeout").alsoFromEnv("TIMEOUT_CONNECT");
    public static final Setting<Duration> TIMEOUT_CLIENT = Setting.of("timeoutClient", "20s", Durations::parse,
            "Idle time allowed to a client connection").alsoFromEnv("TIMEOUT_CLIENT");
    public static final Setting<Duration> TIMEOUT_SERVER = Setting.of("timeoutServer", "20s", Durations::parse,
            "Time allowed to an upstream to answer").alsoFromEnv("TIMEOUT_SERVER");
    public static final Setting<Duration> TIMEOUT_TUNNEL = Setting.of("timeoutTunnel", "3600s", Durations::parse,
            "Idle time allowed to a WebSocket or upgraded connection").alsoFromEnv("TIMEOUT_TUNNEL");
    public static final Setting<Duration> TIMEOUT_HTTP_REQUEST = Setting.of("timeoutHttpRequest", "5s",
            Durations::parse, "Time allowed to a client to send its request headers")
            .alsoFromEnv("TIMEOUT_HTTP_REQUEST");
    public static final Setting<Duration> TIMEOUT_KEEP_ALIVE = Setting.of("timeoutKeepAlive", "15s",
            Durations::parse, "Idle time of a client keep-alive connection between requests")
            .alsoFromEnv("TIMEOUT_HTTP_KEEP_ALIVE");
    public static final Setting<Long> MAX_HEADER_SIZE = Setting.of("maxHeaderSize", "16KiB", Sizes::parse,
            "Largest request header block accepted (larger: 431)");
    public static final Setting<Duration> DRAIN_TIMEOUT = Setting.of("drainTimeout", "8s", Durations::parse,
            "On SIGTERM: time requests in flight get to finish before the replica exits (keep it under the service's"
                    + " stop grace period, 10s by default)");
    /**
     * Like HAProxy's {@code nbthread}: one loop per core by default, since a proxy's loops never block and more of them
     * than cores only add context switches; fewer leave cores to what shares the host (backends, a load generator).
     */
    public static final Setting<Integer> THREADS = Setting.of("threads", null, ValueParsers.intIn(1, 1024),
            "Event loops (threads) that carry traffic; default: one per core the JVM may use");

    public static final Setting<Path> SECRETS_DIR = Setting.of("secretsDir", "/run/secrets", ValueParsers::path,
            "Where Docker secrets are mounted: dfp_users (global users), dfp_users_NAME (com.df.usersSecret=NAME)");
    public static final Setting<String> USERS = Setting.of("users", null, ValueParsers::text,
            "Basic-auth users (name:password,...) for routes without users of their own; the dfp_users secret wins")
            .alsoFromEnv("USERS");
    public static final Setting<Boolean> USERS_PASS_ENCRYPTED = Setting.of("usersPassEncrypted", "false",
            ValueParsers::bool, "The global users' passwords are SHA-512 crypt hashes (mkpasswd -m sha-512)")
            .alsoFromEnv("USERS_PASS_ENCRYPTED");
    public static final Setting<List<String>> COMPRESSION_ALGO = Setting.of("compressionAlgo", null,
            ValueParsers.words(ValueParsers.oneOf("gzip", "deflate")),
            "Compress responses with these codings, preferred first (gzip, deflate); off when unset")
            .alsoFromEnv("COMPRESSION_ALGO");
    public static final Setting<List<String>> COMPRESSION_TYPE = Setting.of("compressionType", null,
            ValueParsers.words(ValueParsers::mediaType),
            "Media types compressed, space-separated (default: text/*, JSON, JavaScript, XML, SVG)")
            .alsoFromEnv("COMPRESSION_TYPE");
    public static final Setting<Path> ERROR_PAGES = Setting.of("errorPages", null, ValueParsers::path,
            "Directory of 404.html, 503.html, ... that replace the built-in error bodies");

    public static final Setting<List<HostPort>> TLS_LISTEN = Setting.of("tlsListen", null,
            ValueParsers.listOf(HostPort::parse), "HTTPS listener (TLS terminated here); may be given several times")
            .asRepeatable();
    public static final Setting<Path> CERTS = Setting.of("certs", null, ValueParsers::path,
            "Directory of certificates: NAME.pem (chain and key) or NAME.crt + NAME.key; reloaded on change");
    public static final Setting<String> DEFAULT_CERT = Setting.of("defaultCert", null, ValueParsers::text,
            "File in --certs served when the client names no host a certificate covers (default: the first by name)");
    public static final Setting<List<Cidr>> TRUSTED_PROXIES = Setting.of("trustedProxies", null,
            ValueParsers.listOf(Cidr::parse),
            "Address ranges (CIDR, comma-separated) whose X-Forwarded-*, Forwarded and PROXY protocol headers are believed");
    public static final Setting<Path> TOKEN_FILE = Setting.of("tokenFile", null, ValueParsers::path,
            "File holding the bearer token sent to controllers (the controller's --token-file)");
    public static final Setting<Path> BACKEND_CA_FILE = Setting.of("backendCaFile", null, ValueParsers::path,
            "PEM file of the CAs the endpoints of H2 routes (HTTP/2 over TLS) must have certificates from; unset: the"
                    + " JDK's trusted CAs. The chain is verified, not the host name (endpoints are addresses)");
    public static final Setting<Boolean> IO_URING = Setting.of("ioUring", "true", ValueParsers::bool,
            "Serve traffic with io_uring where the kernel offers it (else epoll); false: always epoll");

    public static final Setting<Integer> MAX_CONNECTIONS = Setting.of("maxConnections", "20000",
            ValueParsers.intIn(0, 10_000_000), "Open connections per listener; past it, new ones are closed at once"
                    + " (0: no limit)");
    public static final Setting<Integer> MAX_CONNECTIONS_PER_CLIENT = Setting.of("maxConnectionsPerClient", "0",
            ValueParsers.intIn(0, 10_000_000), "Open connections per client address (0: no limit; behind a balancer"
                    + " without PROXY protocol every client has its address)");
    public static final Setting<Long> MAX_REQUEST_BODY_SIZE = Setting.of("maxRequestBodySize", "0", Sizes::parse,
            "Largest request body (larger: 413) for rules without their own maxRequestBodySize (0: no limit)");
    public static final Setting<Long> MIN_REQUEST_BODY_RATE = Setting.of("minRequestBodyRate", "240", Sizes::parse,
            "Bytes per second a request body must average while the proxy waits for it, after 5 s (slower: 408;"
                    + " 0: no minimum)");
    public static final Setting<Integer> MAX_REQUEST_HEADERS = Setting.of("maxRequestHeaders", "100",
            ValueParsers.intIn(1, 10_000), "Header fields a request may have (more: 431)");

    public static final List<Setting<?>> SETTINGS = List.of(CONTROLLERS, ROUTES, LISTEN, ADMIN_LISTEN, STATE_DIR,
            REPLICA_ID, TIMEOUT_CONNECT, TIMEOUT_CLIENT, TIMEOUT_SERVER, TIMEOUT_TUNNEL, TIMEOUT_HTTP_REQUEST,
            TIMEOUT_KEEP_ALIVE, MAX_HEADER_SIZE, DRAIN_TIMEOUT, THREADS, SECRETS_DIR, USERS, USERS_PASS_ENCRYPTED,
            COMPRESSION_ALGO, COMPRESSION_TYPE, ERROR_PAGES, TLS_LISTEN, CERTS, DEFAULT_CERT, TRUSTED_PROXIES,
            TOKEN_FILE, IO_URING, BACKEND_CA_FILE, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT, MAX_REQUEST_BODY_SIZE,
            MIN_REQUEST_BODY_RATE, MAX_REQUEST_HEADERS, LoggingConfig.LOG_FORMAT, LoggingConfig.ACCESS_LOG);

    /**
     * The typed configuration.
     *
     * @param defaultReplicaId used when {@code replicaId} is not set (the caller knows the host name)
     * @throws ConfigException when neither or both of {@code --controller} and {@code --routes} are given
     */
    public static DataplaneConfig from(ResolvedConfig c, String defaultReplicaId) throws ConfigException {
        return from(c, Map.of(), defaultReplicaId);
    }

    /**
     * The typed configuration, with Docker Flow's {@code DEFAULT_PORTS} and {@code BIND_PORTS} of {@code env} as the
     * listeners when no listener is configured otherwise ({@link DockerFlowPorts}).
     *
     * @throws ConfigException also when those variables are bad, or set beside a listener setting
     */
    public static DataplaneConfig from(ResolvedConfig c, Map<String, String> env, String defaultReplicaId)
            throws ConfigException {
        Optional<List<URI>> controllers = c.find(CONTROLLERS);
        Optional<Path> routes = c.find(ROUTES);
        if (controllers.isPresent() == routes.isPresent()) {
            throw new ConfigException(List.of(controllers.isPresent()
                    ? "--controller (" + c.origin(CONTROLLERS) + ") and --routes (" + c.origin(ROUTES)
                            + ") exclude each other: a replica pulls from controllers or serves files, not both"
                    : "give --controller URL[,URL] to pull from controllers, or --routes FILE|DIR to serve files"));
        }
        List<HostPort> listen = c.get(LISTEN);
        Optional<List<HostPort>> tlsListen = c.find(TLS_LISTEN);
        Optional<DockerFlowPorts> dockerFlowPorts = DockerFlowPorts.fromEnv(env);
        if (dockerFlowPorts.isPresent()) {
            if (!c.origin(LISTEN).equals("default") || tlsListen.isPresent()) {
                throw new ConfigException(List.of("DEFAULT_PORTS/BIND_PORTS (environment) and " + (tlsListen.isPresent()
                        ? "--tls-listen (" + c.origin(TLS_LISTEN) + ")" : "--listen (" + c.origin(LISTEN) + ")")
                        + " both say where to listen: keep one"));
            }
            listen = dockerFlowPorts.get().plain();
            tlsListen = Optional.of(dockerFlowPorts.get().tls());
        }
        return new DataplaneConfig(controllers.orElse(List.of()), routes, listen, c.get(ADMIN_LISTEN),
                c.find(STATE_DIR), c.find(REPLICA_ID).orElse(defaultReplicaId), c.get(TIMEOUT_CONNECT),
                c.get(TIMEOUT_CLIENT), c.get(TIMEOUT_SERVER), c.get(TIMEOUT_TUNNEL), c.get(TIMEOUT_HTTP_REQUEST),
                c.get(TIMEOUT_KEEP_ALIVE), c.get(MAX_HEADER_SIZE), c.get(DRAIN_TIMEOUT), c.get(LoggingConfig.ACCESS_LOG),
                c.find(THREADS).orElse(Runtime.getRuntime().availableProcessors()), c.get(SECRETS_DIR),
                c.find(USERS), c.get(USERS_PASS_ENCRYPTED),
                new Compression(c.find(COMPRESSION_ALGO).orElse(List.of()), c.find(COMPRESSION_TYPE).orElse(List.of())),
                c.find(ERROR_PAGES),
                new Tls(tlsListen.orElse(List.of()), c.find(CERTS), c.find(DEFAULT_CERT)),
                c.find(TRUSTED_PROXIES).orElse(List.of()), c.find(TOKEN_FILE), c.get(IO_URING),
                c.find(BACKEND_CA_FILE), new Limits(c.get(MAX_CONNECTIONS), c.get(MAX_CONNECTIONS_PER_CLIENT),
                        c.get(MAX_REQUEST_BODY_SIZE), c.get(MIN_REQUEST_BODY_RATE), c.get(MAX_REQUEST_HEADERS)));
    }
}
