package dev.ballast.controller.acme;

import dev.ballast.certificates.InvalidCertificateException;
import dev.ballast.certificates.ServedCertificate;
import dev.ballast.config.AcmeConfig;
import dev.ballast.controller.acme.AcmeStorage.CertificateState;
import dev.ballast.controller.certificates.CertificateStore;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.schema.AcmeChallenge;
import dev.ballast.schema.Route;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's ACME client: it keeps a certificate for each host set the routes want (see {@link AcmeWants}),
 * ordering when there is none or its renewal time has come, and hands them to the {@link CertificateStore}, which
 * puts them into the snapshots replicas pull. Everything it knows is in {@link AcmeStorage}, so a restart orders
 * nothing that is not due. A failure waits {@code --acme-retry-base} doubled per failure (jittered, a day at most), or
 * as long as the CA's {@code Retry-After} says. Only the holder of the {@link SwarmLease} orders: other controllers
 * sharing the storage find the certificate there. Work runs on one thread of its own; the reconcile loop only tells it
 * what the routes want.
 */
public final class AcmeManager implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(AcmeManager.class);
    private static final AttributeKey<String> RESULT = AttributeKey.stringKey("result");
    private static final AttributeKey<String> CERTIFICATE = AttributeKey.stringKey("certificate");
    private static final AttributeKey<String> HOSTS = AttributeKey.stringKey("ballast.acme.hosts");
    /** The share of a certificate's lifetime after which its successor is ordered. */
    private static final double RENEW_AT = 2.0 / 3.0;
    private static final Duration MAX_BACKOFF = Duration.ofDays(1);
    /** How soon to look again when another controller holds the lease (or no replica pulls from this one). */
    private static final Duration LEASE_RETRY = Duration.ofSeconds(5);
    private static final Duration LEASE_TTL = Duration.ofMinutes(5);
    private static final Duration IDLE_CHECK = Duration.ofHours(1);

    private final AcmeConfig config;
    private final AcmeStorage storage;
    private final AcmeOrders orders;
    private final ChallengeBoard board;
    private final CertificateStore certificates;
    private final SwarmLease lease;
    private final Clock clock;
    private final Tracer tracer;
    private final LongCounter ordered;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ballast-acme");
        t.setDaemon(true);
        return t;
    });
    private volatile AcmeWants wants = AcmeWants.NONE;
    /** The state of each wanted certificate, as last read or written; the ACME thread writes it. */
    private final Map<String, CertificateState> states = new ConcurrentHashMap<>();
    private ScheduledFuture<?> next;

    /** What the manager works with, from the controller. */
    public record Parts(String dockerHost, SnapshotStore store, ReplicaRegistry replicas,
                        Supplier<Instant> desiredSince, Runnable rebuild, CertificateStore certificates, Clock clock,
                        Meter meter, Tracer tracer) {
    }

    public AcmeManager(AcmeConfig config, Parts parts) {
        this(config, new ChallengeBoard(parts.store(), parts.replicas(), parts.desiredSince(), parts.rebuild()),
                parts.certificates(), new SwarmLease(parts.dockerHost(), holder(), LEASE_TTL, parts.clock()),
                parts.clock(), parts.meter(), parts.tracer());
    }

    /** This controller in the lease: its host name (a container's id, in Swarm) and something of its own. */
    private static String holder() {
        return System.getenv().getOrDefault("HOSTNAME", "controller") + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    AcmeManager(AcmeConfig config, ChallengeBoard board, CertificateStore certificates, SwarmLease lease,
                Clock clock, Meter meter, Tracer tracer) {
        this.config = config;
        this.storage = new AcmeStorage(config.storage());
        this.board = board;
        this.orders = new AcmeOrders(config, storage, board);
        this.certificates = certificates;
        this.lease = lease;
        this.clock = clock;
        this.tracer = tracer;
        this.ordered = meter.counterBuilder("ballast.acme.orders")
                .setDescription("ACME orders, by result (issued, failed, rate_limited)").build();
        meter.gaugeBuilder("ballast.acme.certificate.expiry").setUnit("d")
                .setDescription("Days until each ACME certificate expires")
                .buildWithCallback(m -> states.forEach((name, s) -> {
                    if (s.notAfter() != null) {
                        m.record(Duration.between(clock.instant(), s.notAfter()).toMinutes() / 1440.0,
                                Attributes.of(CERTIFICATE, name));
                    }
                }));
    }

    /** The challenges replicas are to answer now. */
    public List<AcmeChallenge> challenges() {
        return board.challenges();
    }

    /** The routes now desired: orders follow on the ACME thread when they want something new. */
    public void want(List<Route> routes) {
        AcmeWants now = AcmeWants.of(routes);
        if (!now.equals(wants)) {
            wants = now;
            thread.execute(this::run);
        }
    }

    /** Why routes get no ACME certificate, by route name. */
    public Map<String, String> refusals() {
        return wants.refusals();
    }

    /** Each wanted certificate as status pages show it. */
    public List<AcmeReport> reports() {
        List<AcmeReport> out = new ArrayList<>();
        wants.certificates().values().forEach(w -> {
            CertificateState s = states.getOrDefault(w.name(), CertificateState.none(w.hosts()));
            out.add(new AcmeReport(w.name(), w.hosts(), w.routes(), s.notAfter() == null ? "Pending" : "Issued",
                    s.issuer(), s.notAfter(), s.renewAt(), s.failures(), s.retryAt(), s.lastError()));
        });
        return out;
    }

    private void run() {
        Instant wake = clock.instant().plus(IDLE_CHECK);
        try {
            List<ServedCertificate> served = new ArrayList<>();
            for (AcmeWants.Want want : wants.certificates().values()) {
                CertificateState state = current(want);
                // Only a controller that replicas pull from can have its challenges answered.
                if (due(state) && board.replicasInSight() && leased()) {
                    state = current(want); // another controller may have ordered it while we waited for the lease
                    if (due(state)) {
                        state = order(want, state);
                    }
                } else if (due(state)) {
                    wake = earliest(wake, clock.instant().plus(LEASE_RETRY));
                }
                states.put(want.name(), state);
                storage.pem(want.name()).flatMap(pem -> parse(want.name(), pem)).ifPresent(served::add);
                wake = earliest(wake, state.retryAt() != null && state.failures() > 0 ? state.retryAt()
                        : state.renewAt());
            }
            states.keySet().retainAll(wants.certificates().keySet());
            certificates.acme(served);
        } catch (RuntimeException e) {
            LOG.error("ACME pass failed; trying again in a minute", e);
            wake = clock.instant().plus(Duration.ofMinutes(1));
        } finally {
            try {
                lease.release();
            } catch (RuntimeException e) {
                LOG.warn("ACME: cannot release the order lease (it lapses by itself): {}", e.getMessage());
            }
            schedule(wake);
        }
    }

    /** Whether this controller holds the order lease; an engine out of reach means no (the lease cannot be seen). */
    private boolean leased() {
        try {
            return lease.tryAcquire();
        } catch (RuntimeException e) {
            LOG.warn("ACME: cannot take the order lease, ordering later: {}", e.getMessage());
            return false;
        }
    }

    /** The stored state of a wanted certificate; a certificate for other hosts starts over. */
    private CertificateState current(AcmeWants.Want want) {
        Optional<CertificateState> stored = storage.state(want.name());
        return stored.filter(s -> s.hosts().equals(want.hosts())).orElse(CertificateState.none(want.hosts()));
    }

    private boolean due(CertificateState state) {
        Instant now = clock.instant();
        boolean needed = state.renewAt() == null || !now.isBefore(state.renewAt());
        return needed && (state.retryAt() == null || !now.isBefore(state.retryAt()));
    }

    private CertificateState order(AcmeWants.Want want, CertificateState state) {
        Span span = tracer.spanBuilder("acme order").setAttribute(HOSTS, String.join(",", want.hosts()))
                .setAttribute(CERTIFICATE, want.name()).startSpan();
        try {
            LOG.info("ACME: ordering {} for {}", want.name(), want.hosts());
            AcmeOrders.Issued issued = orders.order(want.hosts());
            Duration lifetime = Duration.between(issued.notBefore(), issued.notAfter());
            Instant renewAt = issued.notBefore().plusMillis((long) (lifetime.toMillis() * RENEW_AT));
            CertificateState done = new CertificateState(want.hosts(), issued.notAfter(), renewAt, 0, null, null,
                    issued.issuer());
            storage.saveCertificate(want.name(), issued.pem());
            storage.saveState(want.name(), done);
            ordered.add(1, Attributes.of(RESULT, "issued"));
            span.setAttribute(RESULT, "issued");
            LOG.info("ACME: {} issued by {}, valid until {}, renewal from {}", want.name(), issued.issuer(),
                    issued.notAfter(), renewAt);
            return done;
        } catch (AcmeOrders.Failure e) {
            Instant retry = backoff(state.failures() + 1, e.retryAfter());
            CertificateState failed = state.failed(e.getMessage(), retry);
            storage.saveState(want.name(), failed);
            String result = e.retryAfter().isPresent() ? "rate_limited" : "failed";
            ordered.add(1, Attributes.of(RESULT, result));
            span.setAttribute(RESULT, result);
            span.setStatus(StatusCode.ERROR, e.getMessage());
            LOG.warn("ACME: order of {} for {} failed ({} in a row), next try at {}: {}", want.name(), want.hosts(),
                    failed.failures(), retry, e.getMessage());
            return failed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return state;
        } finally {
            span.end();
        }
    }

    private Instant backoff(int failures, Optional<Instant> retryAfter) {
        long base = config.retryBase().toMillis() << Math.min(20, failures - 1);
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        long jittered = (long) (capped * ThreadLocalRandom.current().nextDouble(0.8, 1.2));
        Instant retry = clock.instant().plusMillis(jittered);
        return retryAfter.filter(r -> r.isAfter(retry)).orElse(retry);
    }

    private static Optional<ServedCertificate> parse(String name, String pem) {
        try {
            return Optional.of(ServedCertificate.parse(name, "acme", pem));
        } catch (InvalidCertificateException e) {
            LOG.warn("ACME certificate {} in storage cannot be served: {}", name, e.getMessage());
            return Optional.empty();
        }
    }

    private static Instant earliest(Instant a, Instant b) {
        return b == null || a.isBefore(b) ? a : b;
    }

    private void schedule(Instant wake) {
        if (next != null) {
            next.cancel(false);
        }
        long delay = Math.max(200, Duration.between(clock.instant(), wake).toMillis());
        next = thread.schedule(this::run, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        thread.shutdownNow();
        lease.close();
    }
}
