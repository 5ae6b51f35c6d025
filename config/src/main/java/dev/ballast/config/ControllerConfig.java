package dev.ballast.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The controller's settings, typed. See {@link #SETTINGS} for names, environment variables and defaults.
 *
 * @param dockerHost Docker Engine API address ({@code unix:///…} or {@code tcp://host:port})
 * @param listen where the snapshot, status and Docker Flow compatible APIs listen
 * @param routesDir directory of GitOps Route files, when GitOps is on
 * @param network the overlay network whose task addresses become endpoints; empty means each service's first overlay
 * @param notifyLabel the label that opts a service in (its value must be {@code true})
 * @param separator separator of list values in labels
 * @param httpsOnly force {@code httpsOnly} on every label-derived route (Docker Flow's {@code HTTPS_ONLY})
 * @param resyncInterval period of the full list of services and tasks
 * @param taskPollInterval period of the task list that catches task replacements (Swarm has no task events)
 * @param debounce least time between two reconcile passes
 * @param eventWatchdog an event stream silent this long is reopened
 * @param replicaLagDeadline a replica behind the desired version this long is Degraded
 * @param replicaTtl a replica unseen this long is forgotten
 * @param snapshotHistory how many recent snapshots are kept for deltas
 * @param instanceName the services routed are those whose {@code com.df.proxyInstanceName} names this instance
 *     (services without the label belong to {@code docker-flow})
 * @param tokenFile the file holding the bearer token every endpoint but the probes and metrics requires; without it
 *     certificate keys are not distributed
 * @param certs a directory of certificates distributed to every replica
 * @param stateDir where pushed certificates are kept across restarts
 * @param acme how certificates are obtained over ACME; empty without {@code --acme-email}
 */
public record ControllerConfig(String dockerHost, HostPort listen, Optional<Path> routesDir, Optional<String> network,
                               String notifyLabel, String separator, boolean httpsOnly, Duration resyncInterval,
                               Duration taskPollInterval, Duration debounce, Duration eventWatchdog,
                               Duration replicaLagDeadline, Duration replicaTtl, int snapshotHistory,
                               String instanceName, Optional<Path> tokenFile, Optional<Path> certs,
                               Optional<Path> stateDir, Optional<AcmeConfig> acme) {

    /** Settings without ACME. */
    public ControllerConfig(String dockerHost, HostPort listen, Optional<Path> routesDir, Optional<String> network,
                            String notifyLabel, String separator, boolean httpsOnly, Duration resyncInterval,
                            Duration taskPollInterval, Duration debounce, Duration eventWatchdog,
                            Duration replicaLagDeadline, Duration replicaTtl, int snapshotHistory,
                            String instanceName, Optional<Path> tokenFile, Optional<Path> certs,
                            Optional<Path> stateDir) {
        this(dockerHost, listen, routesDir, network, notifyLabel, separator, httpsOnly, resyncInterval,
                taskPollInterval, debounce, eventWatchdog, replicaLagDeadline, replicaTtl, snapshotHistory,
                instanceName, tokenFile, certs, stateDir, Optional.empty());
    }

    public static final Setting<String> DOCKER_HOST = Setting.of("dockerHost", "unix:///var/run/docker.sock",
            ValueParsers::text, "Docker Engine API address").alsoFromEnv("DOCKER_HOST", "DF_DOCKER_HOST");
    public static final Setting<HostPort> LISTEN = Setting.of("listen", "0.0.0.0:8080", HostPort::parse,
            "Address of the snapshot, status and Docker Flow compatible APIs");
    public static final Setting<Path> ROUTES_DIR = Setting.of("routesDir", null, ValueParsers::path,
            "Directory of GitOps Route files (off when unset)");
    public static final Setting<String> NETWORK = Setting.of("network", null, ValueParsers::text,
            "Overlay network whose task addresses are used (default: each service's first overlay network)");
    public static final Setting<String> NOTIFY_LABEL = Setting.of("notifyLabel", "com.df.notify", ValueParsers::text,
            "Label that opts a service in; its value must be true").alsoFromEnv("DF_NOTIFY_LABEL");
    public static final Setting<String> SEPARATOR = Setting.of("separator", ",", ValueParsers::text,
            "Separator of list values in labels").alsoFromEnv("SEPARATOR");
    public static final Setting<Boolean> HTTPS_ONLY = Setting.of("httpsOnly", "false", ValueParsers::bool,
            "Redirect every label-derived route to HTTPS").alsoFromEnv("HTTPS_ONLY");
    public static final Setting<Duration> RESYNC_INTERVAL = Setting.of("resyncInterval", "30s", Durations::parse,
            "Period of the full list of services and tasks");
    public static final Setting<Duration> TASK_POLL_INTERVAL = Setting.of("taskPollInterval", "2s", Durations::parse,
            "Period of the task list that follows task replacements");
    public static final Setting<Duration> DEBOUNCE = Setting.of("debounce", "25ms", Durations::parse,
            "Least time between two reconcile passes (a trigger after a quiet spell runs at once; triggers meanwhile are folded into the next pass)");
    public static final Setting<Duration> EVENT_WATCHDOG = Setting.of("eventWatchdog", "60s", Durations::parse,
            "An event stream silent this long is reopened");
    public static final Setting<Duration> REPLICA_LAG_DEADLINE = Setting.of("replicaLagDeadline", "10s",
            Durations::parse, "A replica behind the desired version this long is reported Degraded");
    public static final Setting<Duration> REPLICA_TTL = Setting.of("replicaTtl", "10m", Durations::parse,
            "A replica unseen this long is forgotten");
    public static final Setting<Integer> SNAPSHOT_HISTORY = Setting.of("snapshotHistory", "64",
            ValueParsers.intIn(1, 10_000), "How many recent snapshots are kept to answer with deltas");

    public static final Setting<String> INSTANCE_NAME = Setting.of("instanceName", "docker-flow", ValueParsers::text,
            "Route only services whose com.df.proxyInstanceName is this (services without it: docker-flow)")
            .alsoFromEnv("PROXY_INSTANCE_NAME");

    public static final Setting<Path> TOKEN_FILE = Setting.of("tokenFile", null, ValueParsers::path,
            "File holding the bearer token required by every endpoint but /healthz, /readyz, /metrics and /ping;"
                    + " certificate keys reach replicas only with it");
    public static final Setting<Path> CERTS = Setting.of("certs", null, ValueParsers::path,
            "Directory of certificates (NAME.pem, or NAME.crt + NAME.key) distributed to every replica");
    public static final Setting<Path> STATE_DIR = Setting.of("stateDir", null, ValueParsers::path,
            "Directory where certificates pushed with PUT /v1/docker-flow-proxy/cert survive restarts");

    public static final Setting<String> ACME_EMAIL = Setting.of("acmeEmail", null, ValueParsers::text,
            "Contact of the ACME account; setting it turns ACME on for routes with tls.acme (com.df.letsencrypt.host)");
    public static final Setting<URI> ACME_DIRECTORY = Setting.of("acmeDirectory", AcmeConfig.LETS_ENCRYPT,
            ValueParsers::httpUrl, "Directory URL of the ACME CA (staging: " + AcmeConfig.LETS_ENCRYPT_STAGING + ")");
    public static final Setting<Path> ACME_STORAGE = Setting.of("acmeStorage", null, ValueParsers::path,
            "Directory of the ACME account key, certificates and order state (default: --state-dir/acme)");
    public static final Setting<Path> ACME_CA_FILE = Setting.of("acmeCaFile", null, ValueParsers::path,
            "PEM file of CA certificates trusted for the ACME directory's HTTPS, beside the system's (test CAs)");
    public static final Setting<Duration> ACME_RETRY_BASE = Setting.of("acmeRetryBase", "1m", Durations::parse,
            "First wait after a failed ACME order; doubles per failure, to a day at most");

    public static final List<Setting<?>> SETTINGS = List.of(DOCKER_HOST, LISTEN, ROUTES_DIR, NETWORK, NOTIFY_LABEL,
            SEPARATOR, HTTPS_ONLY, RESYNC_INTERVAL, TASK_POLL_INTERVAL, DEBOUNCE, EVENT_WATCHDOG,
            REPLICA_LAG_DEADLINE, REPLICA_TTL, SNAPSHOT_HISTORY, INSTANCE_NAME, TOKEN_FILE, CERTS, STATE_DIR,
            ACME_EMAIL, ACME_DIRECTORY, ACME_STORAGE, ACME_CA_FILE, ACME_RETRY_BASE, LoggingConfig.LOG_FORMAT);

    /** @throws ConfigException when ACME is asked for without what it needs (a token, a storage directory) */
    public static ControllerConfig from(ResolvedConfig c) throws ConfigException {
        return new ControllerConfig(c.get(DOCKER_HOST), c.get(LISTEN), c.find(ROUTES_DIR), c.find(NETWORK),
                c.get(NOTIFY_LABEL), c.get(SEPARATOR), c.get(HTTPS_ONLY), c.get(RESYNC_INTERVAL),
                c.get(TASK_POLL_INTERVAL), c.get(DEBOUNCE), c.get(EVENT_WATCHDOG), c.get(REPLICA_LAG_DEADLINE),
                c.get(REPLICA_TTL), c.get(SNAPSHOT_HISTORY), c.get(INSTANCE_NAME), c.find(TOKEN_FILE), c.find(CERTS),
                c.find(STATE_DIR), acme(c));
    }

    private static Optional<AcmeConfig> acme(ResolvedConfig c) throws ConfigException {
        Optional<String> email = c.find(ACME_EMAIL);
        if (email.isEmpty()) {
            return Optional.empty();
        }
        List<String> problems = new java.util.ArrayList<>();
        if (c.find(TOKEN_FILE).isEmpty()) {
            problems.add(c.origin(ACME_EMAIL) + " needs --token-file: ACME certificates' keys"
                    + " reach replicas only over authenticated pulls");
        }
        Optional<Path> storage = c.find(ACME_STORAGE).or(() -> c.find(STATE_DIR).map(d -> d.resolve("acme")));
        if (storage.isEmpty()) {
            problems.add(c.origin(ACME_EMAIL) + " needs --acme-storage (or --state-dir): without"
                    + " it every restart would order every certificate again, and CAs limit orders");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return Optional.of(new AcmeConfig(email.get(), c.get(ACME_DIRECTORY), storage.get(), c.find(ACME_CA_FILE),
                c.get(ACME_RETRY_BASE)));
    }
}
