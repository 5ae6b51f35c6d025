package dev.ballast.controller;

import dev.ballast.config.ControllerConfig;
import dev.ballast.config.TokenFile;
import dev.ballast.controller.acme.AcmeManager;
import dev.ballast.controller.acme.AcmeReport;
import dev.ballast.controller.api.ControllerApi;
import dev.ballast.controller.api.ControllerStatus;
import dev.ballast.controller.certificates.CertificateStore;
import dev.ballast.controller.desired.DesiredState;
import dev.ballast.controller.desired.DesiredStateBuilder;
import dev.ballast.controller.desired.DockerFlowServices;
import dev.ballast.controller.gitops.GitOpsSource;
import dev.ballast.controller.push.PushSource;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.controller.source.SourceHealth;
import dev.ballast.controller.swarm.SwarmClient;
import dev.ballast.controller.swarm.SwarmSource;
import dev.ballast.controller.telemetry.ControllerMetrics;
import dev.ballast.observability.telemetry.LogIds;
import dev.ballast.observability.telemetry.Telemetry;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.TranslationOptions;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running controller: sources, the reconcile loop, the snapshot store and the API.
 *
 * <p>The loop is level-triggered. Events, timers, file changes and push calls only say which sources to refresh and
 * that a pass should come soon; the pass (on one thread, after the debounce) refreshes them, rebuilds the whole desired
 * state from what they say now, and publishes it if its version changed. Running a pass twice changes nothing. Until
 * every source has synced once, nothing is published: an empty snapshot must never reach replicas because a list
 * failed at start-up.
 */
public final class Controller implements Closeable, ControllerStatus {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    private static final AttributeKey<String> REFRESH = AttributeKey.stringKey("ballast.refresh");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("ballast.outcome");
    private static final AttributeKey<String> VERSION = AttributeKey.stringKey("ballast.snapshot.version");
    private static final AttributeKey<Long> ROUTES = AttributeKey.longKey("ballast.snapshot.routes");
    private static final AttributeKey<Long> UNLINKED = AttributeKey.longKey("ballast.events.unlinked");
    /** Links per pass at most; a stack deploy's burst would otherwise make one pass span carry hundreds. */
    static final int MAX_CAUSES = 32;

    private final ControllerConfig config;
    private final Clock clock;
    private final ScheduledExecutorService loop;
    private final ScheduledExecutorService timers;
    private final SwarmSource swarm;
    private final Optional<GitOpsSource> gitops;
    private final PushSource push = new PushSource();
    private final DesiredStateBuilder builder;
    private final LabelTranslator translator;
    private final SnapshotStore store;
    private final ReplicaRegistry replicas;
    private final ControllerApi api;
    private final Telemetry telemetry;
    private final Tracer tracer;
    private final ControllerMetrics counted;
    private final CertificateStore certificates;
    private final Optional<AcmeManager> acme;
    /** The bearer token ({@code --token-file}); without one, certificates are not distributed. */
    private final Optional<String> token;
    /** What the next pass refreshes; guarded by itself. */
    private final Set<Refresh> pending = EnumSet.noneOf(Refresh.class);
    /** The events the next pass answers (their spans), at most {@link #MAX_CAUSES}; {@code causeCount} counts all. */
    private final Queue<SpanContext> causes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger causeCount = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile DesiredState desired = DesiredState.EMPTY;
    private volatile Instant desiredSince;
    private int followUps;
    /** When the last pass started ({@link System#nanoTime()}); only the loop thread writes it. */
    private volatile long lastPassStart = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
    private final String notifyKey;

    private Controller(ControllerConfig config, Clock clock, Telemetry telemetry) {
        this.config = config;
        this.clock = clock;
        this.telemetry = telemetry;
        this.tracer = telemetry.tracer("dev.ballast.controller");
        this.desiredSince = clock.instant();
        this.loop = Executors.newSingleThreadScheduledExecutor(daemon("ballast-reconcile"));
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon("ballast-timers"));
        this.translator = new LabelTranslator(new TranslationOptions(config.notifyLabel(), config.separator(),
                config.httpsOnly()));
        this.notifyKey = translator.notifyKey();
        this.builder = new DesiredStateBuilder(translator, config.network(), config.instanceName());
        this.store = new SnapshotStore(config.snapshotHistory());
        this.replicas = new ReplicaRegistry(clock, config.replicaLagDeadline(), config.replicaTtl());
        this.counted = new ControllerMetrics(telemetry.meter("dev.ballast.controller"), store::current, this::sources,
                () -> replicas.evaluate(store.current().version(), desiredSince));
        this.swarm = new SwarmSource(new SwarmClient(config.dockerHost(), counted::dockerCall, tracer), clock,
                config.eventWatchdog(), timers, cause -> trigger(EnumSet.of(Refresh.SERVICES), cause));
        this.gitops = config.routesDir().map(dir -> new GitOpsSource(dir, clock));
        this.token = config.tokenFile().map(TokenFile::read);
        this.certificates = new CertificateStore(config.certs(), config.stateDir(), () -> trigger(Refresh.REBUILD));
        this.acme = config.acme().map(a -> new AcmeManager(a, new AcmeManager.Parts(config.dockerHost(), store,
                replicas, () -> desiredSince, () -> trigger(Refresh.REBUILD), certificates, clock,
                telemetry.meter("dev.ballast.controller"), tracer)));
        this.api = new ControllerApi(new ControllerApi.Parts(store, replicas, this, push, translator,
                () -> trigger(Refresh.REBUILD), this::dockerFlowServices, this::scrapeMetrics, certificates, token));
    }

    /** Starts everything; the API listens on {@code config.listen()} (port 0 picks one, see {@link #address()}). */
    public static Controller start(ControllerConfig config, Clock clock) throws IOException, InterruptedException {
        return start(config, clock, Telemetry.fromEnvironment("ballast-controller"));
    }

    /** With the given telemetry (tests pass one that keeps spans in memory); closed with the controller. */
    public static Controller start(ControllerConfig config, Clock clock, Telemetry telemetry)
            throws IOException, InterruptedException {
        Controller c = new Controller(config, clock, telemetry);
        c.certificates.start();
        if (c.token.isEmpty() && (config.certs().isPresent() || config.stateDir().isPresent())) {
            LOG.warn("certificates are not distributed to replicas: the controller has no --token-file, and keys"
                    + " never travel unauthenticated");
        }
        c.api.listen(config.listen());
        c.swarm.start();
        if (c.gitops.isPresent()) {
            c.gitops.get().watch(() -> c.trigger(Refresh.GITOPS));
        }
        long resync = config.resyncInterval().toMillis();
        long poll = config.taskPollInterval().toMillis();
        c.timers.scheduleWithFixedDelay(() -> c.trigger(Refresh.SERVICES, Refresh.GITOPS), resync, resync,
                TimeUnit.MILLISECONDS);
        c.timers.scheduleWithFixedDelay(() -> c.trigger(Refresh.TASKS), poll, poll, TimeUnit.MILLISECONDS);
        c.trigger(Refresh.SERVICES, Refresh.GITOPS);
        return c;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Asks for a pass that refreshes {@code what}. Safe from any thread. Passes start at least {@code --debounce}
     * apart: a trigger after a quiet spell runs at once (a lone {@code docker service create} should not wait), and
     * the triggers that arrive while a pass is due are folded into it (a stack deploy's burst of events makes one or
     * two passes, not one per event).
     */
    public void trigger(Refresh first, Refresh... rest) {
        trigger(EnumSet.of(first, rest), SpanContext.getInvalid());
    }

    /**
     * As {@link #trigger(Refresh, Refresh...)}, for something that has a span of its own (a Docker event): the pass that follows links
     * to it, so a trace shows which events a pass answered. A burst beyond {@link #MAX_CAUSES} links only its first.
     */
    public void trigger(Set<Refresh> what, SpanContext cause) {
        if (cause.isValid() && causeCount.getAndIncrement() < MAX_CAUSES) {
            causes.add(cause);
        }
        synchronized (pending) {
            pending.addAll(what);
        }
        if (scheduled.compareAndSet(false, true)) {
            long sinceLast = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastPassStart);
            long delay = Math.max(0, config.debounce().toMillis() - sinceLast);
            loop.schedule(this::pass, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void pass() {
        long start = System.nanoTime();
        lastPassStart = start;
        scheduled.set(false);
        Set<Refresh> what;
        synchronized (pending) {
            what = EnumSet.copyOf(pending); // copyOf of an EnumSet works when it is empty too
            pending.clear();
        }
        // One span per pass; the Docker API calls and the build it makes are its children (current context), and
        // it links to the events that asked for it.
        SpanBuilder starting = tracer.spanBuilder("reconcile").setAttribute(REFRESH, Refresh.describe(what));
        int caused = causeCount.getAndSet(0);
        for (SpanContext cause = causes.poll(); cause != null; cause = causes.poll()) {
            starting.addLink(cause);
        }
        if (caused > MAX_CAUSES) {
            starting.setAttribute(UNLINKED, (long) caused - MAX_CAUSES);
        }
        Span span = starting.startSpan();
        // Lines logged during the pass, its failure included, carry its trace and span ids.
        try (LogIds ids = LogIds.of(span.getSpanContext())) {
            runPass(span, what, start);
        }
    }

    private void runPass(Span span, Set<Refresh> what, long start) {
        PassOutcome outcome = PassOutcome.FAILED;
        try (Scope scope = span.makeCurrent()) {
            if (what.contains(Refresh.SERVICES)) {
                swarm.refreshAll();
            } else if (what.contains(Refresh.TASKS)) {
                swarm.refreshTasks();
            }
            if (what.contains(Refresh.GITOPS)) {
                gitops.ifPresent(GitOpsSource::rescan);
            }
            if (!synced()) {
                outcome = PassOutcome.NOT_SYNCED;
                return; // never publish before every source has been read once
            }
            Span build = tracer.spanBuilder("build desired state").startSpan();
            DesiredState next;
            try {
                next = builder.build(swarm.state(), gitops.map(GitOpsSource::state)
                        .orElse(GitOpsSource.State.EMPTY), push.state(),
                        token.isPresent() ? certificates.certificates() : List.of(),
                        acme.map(AcmeManager::challenges).orElse(List.of()));
                build.setAttribute(ROUTES, (long) next.snapshot().routes().size());
            } finally {
                build.end();
            }
            span.setAttribute(VERSION, next.snapshot().version());
            desired = next;
            acme.ifPresent(a -> a.want(next.snapshot().routes()));
            outcome = PassOutcome.UNCHANGED;
            if (store.publish(next.snapshot())) {
                outcome = PassOutcome.PUBLISHED;
                desiredSince = clock.instant();
                LOG.info("published snapshot {} ({} routes, {} services with endpoints)", next.snapshot().version(),
                        next.snapshot().routes().size(), next.snapshot().endpoints().size());
            }
            followUp();
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            LOG.error("reconcile pass failed; the next trigger tries again", e);
        } finally {
            counted.pass(outcome, System.nanoTime() - start);
            span.setAttribute(OUTCOME, outcome.label());
            span.end();
        }
    }

    /** Every metric, as Prometheus text. */
    public byte[] scrapeMetrics() {
        return telemetry.scrape();
    }

    /**
     * Tasks start shortly after the service event that announced them, and Swarm sends no task events: while some
     * opted-in service has fewer running tasks than replicas, poll the tasks again soon (for a few seconds at most).
     */
    private void followUp() {
        boolean converging = swarm.state().services().stream().anyMatch(s -> s.service().replicas() != null
                && s.service().labels().containsKey(notifyKey) && s.tasks().size() < s.service().replicas());
        if (converging && followUps < 30) {
            // Soon at first (tasks of a small image start within tens of milliseconds), then every 100 ms.
            long delay = followUps < 5 ? 20 : 100;
            followUps++;
            timers.schedule(() -> trigger(Refresh.TASKS), delay, TimeUnit.MILLISECONDS);
        } else if (!converging) {
            followUps = 0;
        }
    }

    /** Opted-in services, as Docker Flow Swarm Listener's {@code get-services} lists them. */
    public List<Map<String, String>> dockerFlowServices() {
        return DockerFlowServices.of(swarm.state(), notifyKey);
    }

    /** Every enabled source has produced a state at least once. */
    @Override
    public boolean synced() {
        return swarm.health().synced() && gitops.map(g -> g.health().synced()).orElse(true);
    }

    @Override
    public List<SourceHealth> sources() {
        List<SourceHealth> out = new ArrayList<>();
        out.add(swarm.health());
        gitops.ifPresent(g -> out.add(g.health()));
        out.add(new SourceHealth("push", true, true, null, null, null));
        return out;
    }

    /** How many times the Swarm event stream has been opened. */
    public int eventStreamOpens() {
        return swarm.streamOpens();
    }

    @Override
    public String instanceName() {
        return config.instanceName();
    }

    @Override
    public List<dev.ballast.certificates.CertificateReport> certificates() {
        return certificates.reports(clock.instant());
    }

    @Override
    public List<AcmeReport> acme() {
        return acme.map(AcmeManager::reports).orElse(List.of());
    }

    @Override
    public Map<String, String> acmeRefusals() {
        return acme.map(AcmeManager::refusals).orElse(Map.of());
    }

    @Override
    public boolean distributesCertificates() {
        return token.isPresent();
    }

    @Override
    public Map<String, List<dev.ballast.schema.Problem>> gitOpsProblems() {
        return gitops.map(g -> g.state().problems()).orElse(Map.of());
    }

    @Override
    public DesiredState desired() {
        return desired;
    }

    @Override
    public Instant desiredSince() {
        return desiredSince;
    }

    public SnapshotStore store() {
        return store;
    }

    public ReplicaRegistry replicas() {
        return replicas;
    }

    public PushSource push() {
        return push;
    }

    public LabelTranslator translator() {
        return translator;
    }

    /** Where the API listens. */
    public InetSocketAddress address() {
        return api.address();
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return; // closing twice (a shutdown hook after an explicit close) changes nothing
        }
        timers.shutdownNow();
        loop.shutdownNow();
        api.close();
        acme.ifPresent(AcmeManager::close);
        certificates.close();
        swarm.close();
        telemetry.close();
        if (gitops.isPresent()) {
            gitops.get().close();
        }
    }
}
