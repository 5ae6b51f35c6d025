package dev.ballast.controller.acme;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.model.Secret;
import com.github.dockerjava.api.model.SecretSpec;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.ballast.controller.swarm.DockerClients;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The right to place ACME certificate orders, held by at most one of the Ballast controllers at a time. Several
 * controllers may run for availability, but orders must not be placed twice: the CA's rate limits count every order,
 * and two controllers ordering the same names would race to store different certificates.
 *
 * <p>The lease lives in the one store every controller already shares, the swarm itself, as the secret
 * {@value #NAME}. Swarm secret names are unique, so creating it is an atomic "first one wins"; after that its labels
 * change only through {@code POST /secrets/{id}/update?version=N}, which the engine refuses ("update out of
 * sequence") unless N is the version we read, so every change is a compare-and-set against what we last saw. The
 * labels name the holder and the epoch millisecond its claim ends. The holder renews by calling {@link #tryAcquire()}
 * again well within the ttl; a claim that nobody renews lapses, so a controller that dies blocks the others for at
 * most one ttl. Expiry compares the writer's deadline with the reader's clock: controllers' clocks must agree to well
 * within the ttl.
 *
 * <p>A lost race is an ordinary answer ({@code false}, or nothing for {@link #release()}); only a failure to talk to
 * the engine throws, as an {@link IllegalStateException} that names the Docker host.
 */
public final class SwarmLease implements Closeable {

    static final String NAME = "ballast-acme-lease";
    static final String HOLDER = "dev.ballast.acme.lease.holder";
    static final String UNTIL = "dev.ballast.acme.lease.until";
    /** The engine insists on non-empty data; nothing ever reads it, so it is deliberately not a secret. */
    private static final String DATA = "ballast ACME order lease";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String dockerHost;
    private final String holder;
    private final Duration ttl;
    private final Clock clock;
    private final DockerClient docker;
    // docker-java 3.7 has no command for updating a secret, so that one call goes through its transport directly.
    private final DockerHttpClient http;

    /**
     * @param dockerHost the Engine API, e.g. {@code tcp://127.0.0.1:2375}
     * @param holder     this controller's identity, unique among the controllers sharing the swarm
     * @param ttl        how long a claim lasts unless renewed
     */
    public SwarmLease(String dockerHost, String holder, Duration ttl, Clock clock) {
        this.dockerHost = Objects.requireNonNull(dockerHost, "dockerHost");
        this.holder = Objects.requireNonNull(holder, "holder");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (holder.isBlank()) {
            throw new IllegalArgumentException("the lease holder's id must not be blank");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("the lease ttl must be positive, not " + ttl);
        }
        this.docker = DockerClients.connect(dockerHost, TIMEOUT);
        this.http = DockerClients.http(dockerHost, TIMEOUT);
    }

    /**
     * Takes the lease, or renews it when we hold it already.
     *
     * @return whether we hold it for the next ttl; false when another holder's claim is live or a race was lost
     * @throws IllegalStateException when the engine cannot be reached or answers with an error
     */
    public boolean tryAcquire() {
        Optional<Secret> seen = read();
        if (seen.isEmpty()) {
            if (create(clock.millis() + ttl.toMillis())) {
                return true;
            }
            // Another controller created it between our read and our create: judge its claim like any other.
            seen = read();
            if (seen.isEmpty()) {
                return false;
            }
        }
        Secret secret = seen.get();
        long now = clock.millis();
        if (!holder.equals(holderOf(secret)) && untilOf(secret) > now) {
            return false;
        }
        return write(secret, now + ttl.toMillis());
    }

    /**
     * Gives the lease up at once, so another controller need not wait for the claim to lapse. Does nothing when we do
     * not hold it, including when another controller changed it under us.
     *
     * @throws IllegalStateException when the engine cannot be reached or answers with an error
     */
    public void release() {
        read().filter(s -> holder.equals(holderOf(s))).ifPresent(s -> write(s, 0));
    }

    /** The holder whose claim is live now; empty when the lease is free, lapsed or was never taken. */
    public Optional<String> holder() {
        long now = clock.millis();
        return read().filter(s -> untilOf(s) > now).map(SwarmLease::holderOf);
    }

    @Override
    public void close() {
        try {
            docker.close();
        } catch (IOException e) {
            // Nothing is left to do with a client whose pool will not shut down cleanly.
        } finally {
            try {
                http.close();
            } catch (IOException e) {
                // As above.
            }
        }
    }

    /** The lease secret as the engine has it now, with the version any update must name. */
    Optional<Secret> read() {
        List<Secret> found;
        try {
            found = docker.listSecretsCmd().withNameFilter(List.of(NAME)).exec();
        } catch (RuntimeException e) {
            throw failure("cannot read the lease secret " + NAME, e);
        }
        // The "name" filter matches prefixes, so a "ballast-acme-lease-old" would be listed too.
        return found.stream().filter(s -> s.getSpec() != null && NAME.equals(s.getSpec().getName())).findFirst();
    }

    /**
     * Claims the lease until {@code until} (0 gives it up) if the secret is still as {@code seen} shows it.
     *
     * @return false when the engine refused because someone changed or removed the secret since {@code seen}
     */
    boolean write(Secret seen, long until) {
        ObjectNode spec = JSON.createObjectNode().put("Name", NAME);
        ObjectNode labels = spec.putObject("Labels");
        // Labels only ever replace as a whole: keep any an operator added.
        labelsOf(seen).forEach(labels::put);
        labels.put(HOLDER, holder).put(UNTIL, Long.toString(until));
        DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.POST)
                .path("/secrets/" + seen.getId() + "/update?version=" + seen.getVersion().getIndex())
                .putHeader("Content-Type", "application/json")
                .body(new ByteArrayInputStream(JSON.writeValueAsBytes(spec)))
                .build();
        int status;
        String answer;
        try (DockerHttpClient.Response response = http.execute(request)) {
            status = response.getStatusCode();
            answer = status == 200 ? "" : new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw failure("cannot update the lease secret " + NAME, e);
        }
        if (status == 200) {
            return true;
        }
        // The engine's compare-and-set refusal is a 500; a 404 means the secret was removed since we read it.
        if (status == 409 || status == 404 || status == 500 && answer.contains("out of sequence")) {
            return false;
        }
        throw new IllegalStateException("ACME lease: the Docker engine at " + dockerHost + " refused to update the "
                + "lease secret " + NAME + ": HTTP " + status + " " + answer.strip());
    }

    private boolean create(long until) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(HOLDER, holder);
        labels.put(UNTIL, Long.toString(until));
        SecretSpec spec = new SecretSpec().withName(NAME).withData(DATA).withLabels(labels);
        try {
            docker.createSecretCmd(spec).exec();
            return true;
        } catch (ConflictException e) {
            return false;
        } catch (RuntimeException e) {
            throw failure("cannot create the lease secret " + NAME, e);
        }
    }

    private IllegalStateException failure(String what, Exception e) {
        String cause = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        return new IllegalStateException("ACME lease: " + what + " on the Docker engine at " + dockerHost + ": "
                + cause, e);
    }

    private static Map<String, String> labelsOf(Secret secret) {
        Map<String, String> labels = secret.getSpec() == null ? null : secret.getSpec().getLabels();
        return labels == null ? Map.of() : labels;
    }

    private static String holderOf(Secret secret) {
        return labelsOf(secret).get(HOLDER);
    }

    /** A deadline that is missing or not a number counts as lapsed, so a damaged lease can be taken over. */
    private static long untilOf(Secret secret) {
        try {
            return Long.parseLong(labelsOf(secret).getOrDefault(UNTIL, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
