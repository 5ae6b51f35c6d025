package dev.ballast.dataplane.pull;

import dev.ballast.schema.RouteJson;
import dev.ballast.schema.RouteValidator;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's side of the pull protocol, on a thread of its own (never an event loop): long-poll
 * {@code GET /v1/snapshot} with the version in force, check the update (a delta must start from that version; the
 * result must hash to the version announced; every new or changed route must validate; the routing table must
 * compile), put it in force, save it to the state file, and report applied or rejected on the next pull.
 *
 * <p>When a controller does not answer, the puller waits (backoff with jitter) and moves on to the next one listed;
 * versions are content hashes, so any controller will do. Meanwhile the snapshot in force stays in force.
 */
public final class SnapshotPuller implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(SnapshotPuller.class);
    /** The longest error message sent back in a query parameter. */
    private static final int MAX_REPORTED_ERROR = 400;
    /** How much longer than {@code wait} a whole answer may take (the controller's own delays, the transfer). */
    private static final Duration ANSWER_GRACE = Duration.ofSeconds(5);

    private final List<URI> controllers;
    private final String replicaId;
    private final Duration wait;
    private final SnapshotTarget target;
    private final Optional<StateFile> stateFile;
    private final HttpClient http;
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
    private final Thread thread;
    private volatile boolean running = true;

    private int controllerIndex;
    private boolean controllerDown;
    /** The version of the last offer rejected and why, sent once on the pull that follows the rejection. */
    private String rejectedVersion;
    private String rejectedError;
    /** Set when a delta did not start from the version in force: the next pull asks for the whole snapshot. */
    private boolean askForFull;
    private final Optional<String> authorization;

    /**
     * @param controllers controller base URLs, tried in turn
     * @param wait how long the controller may hold a pull when nothing changes
     */
    public SnapshotPuller(List<URI> controllers, String replicaId, Duration wait, SnapshotTarget target,
                          Optional<StateFile> stateFile) {
        this(controllers, replicaId, wait, target, stateFile, Optional.empty());
    }

    /** @param token the bearer token sent with every pull (the controller's {@code --token-file}) */
    public SnapshotPuller(List<URI> controllers, String replicaId, Duration wait, SnapshotTarget target,
                          Optional<StateFile> stateFile, Optional<String> token) {
        if (controllers.isEmpty()) {
            throw new IllegalArgumentException("at least one controller URL is needed");
        }
        this.controllers = List.copyOf(controllers);
        this.replicaId = replicaId;
        this.wait = wait;
        this.target = target;
        this.stateFile = stateFile;
        this.authorization = token.map(t -> "Bearer " + t);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        this.thread = new Thread(this::run, "ballast-snapshot-puller");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        while (running) {
            URI controller = controllers.get(controllerIndex);
            try {
                pullOnce(controller);
                if (controllerDown) {
                    log.info("controller {} answers again", controller);
                    controllerDown = false;
                }
                backoff.reset();
            } catch (IOException | RuntimeException e) { // a PullFailure, or anything else the client threw
                if (!running) {
                    return;
                }
                failedOver(controller, describe(e));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void failedOver(URI controller, String reason) {
        controllerIndex = (controllerIndex + 1) % controllers.size();
        Duration delay = backoff.next();
        if (!controllerDown) {
            log.warn("cannot pull from controller {}: {}; keeping snapshot {} in force, trying {} in {} ms",
                    controller, reason, target.snapshot().version(), controllers.get(controllerIndex),
                    delay.toMillis());
            controllerDown = true;
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void pullOnce(URI controller) throws IOException, InterruptedException {
        Snapshot current = target.snapshot();
        String inForce = askForFull || !target.ready() ? "" : current.version();
        // A POST only to carry the replica's endpoint figures: the pull is a GET in every other respect.
        HttpRequest.Builder pull = HttpRequest.newBuilder(pullUri(controller, inForce))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(RouteJson.writeBytes(target.report())));
        authorization.ifPresent(value -> pull.header("Authorization", value));
        HttpRequest request = pull.build();
        // The report travels with this pull; if the pull fails, the next one carries it again.
        HttpResponse<byte[]> response = exchange(request);
        rejectedVersion = null;
        rejectedError = null;
        askForFull = false;
        switch (response.statusCode()) {
            case 304 -> {
                // nothing changed during the wait
            }
            case 200 -> offered(controller, response.body(), current, inForce);
            case 401 -> throw new PullFailure("HTTP 401: the controller refused " + (authorization.isPresent()
                    ? "this replica's token (is --token-file the controller's?)" : "a pull without a token (give"
                    + " --token-file, the controller's)"));
            default -> throw new PullFailure("HTTP " + response.statusCode() + ": "
                    + abbreviate(new String(response.body(), StandardCharsets.UTF_8)));
        }
    }

    /**
     * Sends a pull and waits for the whole answer, body included, at most {@code wait} plus {@link #ANSWER_GRACE}.
     * {@link HttpRequest#timeout} would not do: it stops counting once the status line and headers are in, so a
     * controller that stopped (or whose host died) after sending them, without closing the connection, would hold this
     * thread for good, and the replica would never move on to the next controller.
     */
    private HttpResponse<byte[]> exchange(HttpRequest request) throws IOException, InterruptedException {
        long deadline = wait.plus(ANSWER_GRACE).toMillis();
        CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(request,
                HttpResponse.BodyHandlers.ofByteArray());
        try {
            return answer.get(deadline, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // Cancelling aborts the exchange and closes its connection, so the stalled one is not pooled and reused.
            answer.cancel(true);
            throw new PullFailure("no complete answer within " + deadline + " ms");
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause);
        }
    }

    private static String joined(List<Integer> ports) {
        return ports.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private URI pullUri(URI controller, String version) {
        StringBuilder query = new StringBuilder("replica=").append(encode(replicaId))
                .append("&version=").append(encode(version))
                .append("&wait=").append(wait.toMillis()).append("ms");
        target.listenerPorts().ifPresent(ports -> query.append("&listeners=").append(joined(ports.plain()))
                .append("&tlsListeners=").append(joined(ports.tls())));
        if (rejectedVersion != null) {
            query.append("&rejected=").append(encode(rejectedVersion))
                    .append("&error=").append(encode(abbreviate(rejectedError)));
        }
        String base = controller.toString().replaceAll("/+$", "");
        return URI.create(base + "/v1/snapshot?" + query);
    }

    /** @param inForce the version the pull said the replica has (empty: none, or asking for the whole snapshot) */
    private void offered(URI controller, byte[] body, Snapshot current, String inForce) {
        SnapshotUpdate update;
        try {
            update = RouteJson.read(body, SnapshotUpdate.class);
        } catch (RuntimeException e) {
            // Not even a version to name: nothing to report as rejected, so treat it as a failing controller.
            throw new PullFailure("the answer is not a snapshot update: " + abbreviate(e.getMessage()));
        }
        if (update.isDelta() && !update.baseVersion().equals(current.version())) {
            log.warn("controller {} sent a delta from {} but {} is in force; asking for the whole snapshot",
                    controller, update.baseVersion(), current.version());
            askForFull = true;
            return;
        }
        try {
            Snapshot next = check(update, current);
            if (next.version().equals(inForce)) {
                return; // applying twice changes nothing
            }
            target.apply(next, "controller " + controller);
            log.info("applied snapshot {} from controller {} ({} routes, {} services with endpoints{})",
                    next.version(), controller, next.routes().size(), next.endpoints().size(),
                    update.isDelta() ? ", delta from " + update.baseVersion() : "");
            stateFile.ifPresent(file -> save(file, next));
        } catch (RuntimeException e) {
            rejectedVersion = update.version();
            rejectedError = describe(e);
            log.error("rejected snapshot {} from controller {}: {}; snapshot {} stays in force", update.version(),
                    controller, rejectedError, current.version());
        }
    }

    /** The snapshot an update leads to, or an exception naming what is wrong with it. */
    static Snapshot check(SnapshotUpdate update, Snapshot current) {
        Snapshot next = update.applyTo(current);
        // A delta carries only what changed (the rest was checked before); a whole snapshot is checked in parallel.
        List<String> problems = update.routes().parallelStream()
                .flatMap(route -> RouteValidator.validate(route).violations().stream()
                        .map(v -> "route " + route.name() + ": " + v.path() + ": " + v.message()))
                .toList();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return next;
    }

    private static void save(StateFile file, Snapshot snapshot) {
        try {
            file.save(snapshot);
        } catch (RuntimeException e) {
            // Serving matters more than remembering: the snapshot stays in force, only a restart would miss it.
            log.error("cannot keep snapshot {}: {}", snapshot.version(), e.getMessage());
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        String oneLine = text == null ? "" : text.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= MAX_REPORTED_ERROR ? oneLine : oneLine.substring(0, MAX_REPORTED_ERROR) + "…";
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A controller that answered, but not with something usable. */
    private static final class PullFailure extends RuntimeException {
        PullFailure(String message) {
            super(message);
        }
    }
}
