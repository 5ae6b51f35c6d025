package dev.ballast.controller.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Secret;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.sim.SwarmSim;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ACME order lease against the emulator's secrets, over real sockets: one holder at a time, races included. */
class SwarmLeaseTest {

    private static final Duration TTL = Duration.ofSeconds(30);

    private SwarmSim sim;
    private String host;
    private DockerClient docker;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<SwarmLease> leases = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        host = sim.listen("127.0.0.1:0");
        docker = DockerClients.connect(host, Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        leases.forEach(SwarmLease::close);
        docker.close();
        sim.close();
    }

    private SwarmLease lease(String holder) {
        SwarmLease lease = new SwarmLease(host, holder, TTL, clock);
        leases.add(lease);
        return lease;
    }

    /** The lease secret's labels as docker-java lists them, independently of the class under test. */
    private Map<String, String> labels() {
        List<Secret> found = docker.listSecretsCmd().withNameFilter(List.of(SwarmLease.NAME)).exec();
        assertThat(found).hasSize(1);
        return found.get(0).getSpec().getLabels();
    }

    private long until() {
        return Long.parseLong(labels().get(SwarmLease.UNTIL));
    }

    @Test
    void theFirstHolderAcquiresAndTheSecondIsRefused() {
        SwarmLease a = lease("controller-a");
        SwarmLease b = lease("controller-b");
        assertThat(a.holder()).isEmpty();

        assertThat(a.tryAcquire()).isTrue();
        assertThat(b.tryAcquire()).isFalse();

        assertThat(a.holder()).contains("controller-a");
        assertThat(b.holder()).contains("controller-a");
        assertThat(labels()).containsEntry(SwarmLease.HOLDER, "controller-a")
                .containsEntry(SwarmLease.UNTIL, Long.toString(clock.millis() + TTL.toMillis()));
    }

    @Test
    void theHolderRenewsAndTheDeadlineMovesForward() {
        SwarmLease a = lease("controller-a");
        SwarmLease b = lease("controller-b");
        assertThat(a.tryAcquire()).isTrue();
        long first = until();

        clock.advance(Duration.ofSeconds(10));
        assertThat(a.tryAcquire()).isTrue();
        assertThat(until()).isEqualTo(first + 10_000);

        // Past the first deadline but inside the renewed one: still a's.
        clock.advance(Duration.ofSeconds(25));
        assertThat(b.tryAcquire()).isFalse();
        assertThat(b.holder()).contains("controller-a");
    }

    @Test
    void aLapsedClaimIsTakenOverAndTheOldHolderCannotRenewIt() {
        SwarmLease a = lease("controller-a");
        SwarmLease b = lease("controller-b");
        assertThat(a.tryAcquire()).isTrue();

        clock.advance(TTL.minusMillis(1));
        assertThat(b.tryAcquire()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(a.holder()).isEmpty();

        assertThat(b.tryAcquire()).isTrue();
        assertThat(a.tryAcquire()).isFalse();
        assertThat(a.holder()).contains("controller-b");
        assertThat(labels()).containsEntry(SwarmLease.HOLDER, "controller-b");
    }

    @Test
    void releaseLetsAnotherAcquireAtOnceAndIsANoOpForOthers() {
        SwarmLease a = lease("controller-a");
        SwarmLease b = lease("controller-b");
        b.release();
        assertThat(a.tryAcquire()).isTrue();

        b.release();
        assertThat(b.holder()).contains("controller-a");

        a.release();
        assertThat(a.holder()).isEmpty();
        assertThat(labels()).containsEntry(SwarmLease.UNTIL, "0");
        assertThat(b.tryAcquire()).isTrue();
        assertThat(a.holder()).contains("controller-b");
        a.release();
        assertThat(a.holder()).contains("controller-b");
    }

    @Test
    void anUpdateBasedOnAStaleReadIsRefusedByTheEngine() {
        SwarmLease a = lease("controller-a");
        SwarmLease b = lease("controller-b");
        assertThat(a.tryAcquire()).isTrue();
        clock.advance(TTL);

        // Both see the lapsed claim; b writes first, so a's write names a version that is gone.
        Secret seenByA = a.read().orElseThrow();
        Secret seenByB = b.read().orElseThrow();
        assertThat(b.write(seenByB, clock.millis() + TTL.toMillis())).isTrue();
        assertThat(a.write(seenByA, clock.millis() + TTL.toMillis())).isFalse();
        assertThat(a.holder()).contains("controller-b");

        // A stale release must not throw, nor free b's claim.
        assertThat(b.write(seenByB, 0)).isFalse();
        assertThat(a.holder()).contains("controller-b");
    }

    @Test
    void racingControllersHaveExactlyOneWinnerEachRound() throws Exception {
        SwarmLease a = lease("controller-a");
        SwarmLease b = lease("controller-b");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                // The first round races two creates; every later one races two updates of a lapsed claim.
                clock.advance(TTL.plusMillis(1));
                CountDownLatch go = new CountDownLatch(1);
                Future<Boolean> wonA = pool.submit(() -> {
                    go.await();
                    return a.tryAcquire();
                });
                Future<Boolean> wonB = pool.submit(() -> {
                    go.await();
                    return b.tryAcquire();
                });
                go.countDown();
                boolean aWon = wonA.get(5, TimeUnit.SECONDS);
                boolean bWon = wonB.get(5, TimeUnit.SECONDS);
                assertThat(aWon ^ bWon).as("round %d: a won %s, b won %s", round, aWon, bWon).isTrue();
                assertThat(a.holder()).as("round %d", round).contains(aWon ? "controller-a" : "controller-b");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anUnreachableEngineIsAnErrorThatNamesTheHost() throws Exception {
        String nowhere;
        try (ServerSocket socket = new ServerSocket(0)) {
            nowhere = "tcp://127.0.0.1:" + socket.getLocalPort();
        }
        SwarmLease lease = new SwarmLease(nowhere, "controller-a", TTL, clock);
        leases.add(lease);

        assertThatThrownBy(lease::tryAcquire).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("ACME lease: cannot read the lease secret " + SwarmLease.NAME
                        + " on the Docker engine at " + nowhere + ": ");
        assertThatThrownBy(lease::holder).isInstanceOf(IllegalStateException.class).hasMessageContaining(nowhere);
        assertThatThrownBy(lease::release).isInstanceOf(IllegalStateException.class).hasMessageContaining(nowhere);
    }

    @Test
    void aShortRealTtlLapsesOnTheSystemClock() throws Exception {
        Duration ttl = Duration.ofSeconds(1);
        try (SwarmLease a = new SwarmLease(host, "controller-a", ttl, Clock.systemUTC());
                SwarmLease b = new SwarmLease(host, "controller-b", ttl, Clock.systemUTC())) {
            // A client's first call is slow (connection, docker-java's setup): keep that out of the timed part.
            assertThat(a.holder()).isEmpty();
            assertThat(b.holder()).isEmpty();
            assertThat(a.tryAcquire()).isTrue();
            assertThat(b.tryAcquire()).isFalse();
            Thread.sleep(ttl.toMillis() + 100);
            assertThat(b.holder()).isEqualTo(Optional.empty());
            assertThat(b.tryAcquire()).isTrue();
            assertThat(a.tryAcquire()).isFalse();
        }
    }

    /** A clock the test moves by hand, shared by every lease, so expiry is exact rather than a matter of sleeping. */
    private static final class ManualClock extends Clock {
        private final AtomicLong millis;

        ManualClock(long start) {
            millis = new AtomicLong(start);
        }

        void advance(Duration by) {
            millis.addAndGet(by.toMillis());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
