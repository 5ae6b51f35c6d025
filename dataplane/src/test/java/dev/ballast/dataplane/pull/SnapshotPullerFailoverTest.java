package dev.ballast.dataplane.pull;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.pull.SnapshotPullerTest.ScriptedController;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failing over when the controller in use stops while a pull is under way, over real loopback sockets. The first
 * controller is a raw socket whose every byte the test decides: it answers the first pull (304, connection kept
 * alive), so that the second pull travels on the kept-alive connection, as in production; what it does with that
 * second pull is the case. The second controller offers a snapshot, so applying it proves the replica moved on.
 */
class SnapshotPullerFailoverTest {

    /** The pull wait; the puller allows the whole answer this plus 5 s. */
    static final Duration WAIT = Duration.ofSeconds(1);
    /** Beyond the puller's own deadline (6 s here) plus its backoff: long enough to never be what decides. */
    static final long FAILOVER_BOUND_SECONDS = 20;

    /** The stopping controller: one connection, scripted by the test, on its own thread. */
    static final class StoppingController implements AutoCloseable {
        final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final CountDownLatch secondPull = new CountDownLatch(1);
        /** Counted down when the replica closed the connection (read returned end of stream). */
        final CountDownLatch closedByReplica = new CountDownLatch(1);
        volatile Socket connection;
        private final Thread thread;

        /** @param onSecondPull what the controller does once the second pull has arrived on the kept connection */
        StoppingController(SocketAction onSecondPull) throws IOException {
            thread = new Thread(() -> {
                try (Socket socket = listener.accept()) {
                    connection = socket;
                    InputStream in = socket.getInputStream();
                    OutputStream out = socket.getOutputStream();
                    readRequest(in);
                    out.write("HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (!readRequest(in)) {
                        return;
                    }
                    secondPull.countDown();
                    onSecondPull.act(this, socket);
                    if (!socket.isClosed()) {
                        // Stays silent; whatever the replica sends, it reads until the replica closes.
                        while (in.read() >= 0) {
                            // discard
                        }
                        closedByReplica.countDown();
                    }
                } catch (IOException e) {
                    // the test closed the sockets
                }
            }, "stopping-controller");
            thread.setDaemon(true);
            thread.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + listener.getLocalPort());
        }

        /** Reads one request head; false when the connection ended first. */
        private static boolean readRequest(InputStream in) throws IOException {
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            int b;
            while ((b = in.read()) >= 0) {
                matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
                if (matched == end.length) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() throws Exception {
            listener.close();
            Socket socket = connection;
            if (socket != null) {
                socket.close();
            }
            thread.join(5_000);
        }
    }

    interface SocketAction {
        void act(StoppingController controller, Socket socket) throws IOException;
    }

    /** A replica's routing table, minus the routing. */
    static final class Target implements SnapshotTarget {
        volatile Snapshot snapshot = Snapshot.of(List.of(), List.of());
        volatile boolean ready;
        final CountDownLatch applied = new CountDownLatch(1);

        @Override
        public Snapshot snapshot() {
            return snapshot;
        }

        @Override
        public boolean ready() {
            return ready;
        }

        @Override
        public void apply(Snapshot next, String from) {
            snapshot = next;
            ready = true;
            applied.countDown();
        }
    }

    final Target target = new Target();
    final Snapshot offered = Snapshot.of(List.of(SnapshotPullerTest.route("a", "/a")), List.of());
    ScriptedController next;
    SnapshotPuller puller;

    @BeforeEach
    void startNextController() throws Exception {
        next = new ScriptedController();
        next.offer(SnapshotUpdate.full(offered));
    }

    @AfterEach
    void stop() {
        if (puller != null) {
            puller.close();
        }
        next.close();
    }

    private void pullFrom(URI... controllers) {
        puller = new SnapshotPuller(List.of(controllers), "r1", WAIT, target, Optional.empty());
        puller.start();
    }

    /**
     * The controller stops after sending the status line and headers of an answer, without closing the connection (a
     * host that died, a frozen process). The request timeout of the JDK client stops counting at the headers, so the
     * old puller waited for the rest of the body for good and never tried the next controller.
     */
    @Test
    void aControllerThatStopsInTheMiddleOfAnAnswerIsLeftForTheNext() throws Exception {
        try (StoppingController stopping = new StoppingController((controller, socket) -> {
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"version\":"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        })) {
            pullFrom(stopping.url(), next.url());
            assertThat(stopping.secondPull.await(10, TimeUnit.SECONDS)).as("second pull, kept-alive").isTrue();

            assertThat(target.applied.await(FAILOVER_BOUND_SECONDS, TimeUnit.SECONDS))
                    .as("the snapshot of the next controller applied").isTrue();
            assertThat(target.snapshot()).isEqualTo(offered);
            assertThat(stopping.closedByReplica.await(10, TimeUnit.SECONDS))
                    .as("the stalled connection closed by the replica, not kept in its pool").isTrue();
        }
    }

    /** The controller stops with the pull parked: it closes the connection and no longer listens. */
    @Test
    void aControllerThatClosesAParkedPullIsLeftAtOnce() throws Exception {
        try (StoppingController stopping = new StoppingController((controller, socket) -> {
            controller.listener.close();
            socket.close();
        })) {
            pullFrom(stopping.url(), next.url());
            assertThat(stopping.secondPull.await(10, TimeUnit.SECONDS)).as("second pull, kept-alive").isTrue();
            long closedAt = System.nanoTime();

            assertThat(target.applied.await(FAILOVER_BOUND_SECONDS, TimeUnit.SECONDS))
                    .as("the snapshot of the next controller applied").isTrue();
            // A closed connection is news at once: no deadline was waited for (the puller's is 6 s).
            assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isLessThan(Duration.ofSeconds(3));
        }
    }

    /** The controller stops answering with the pull parked, connection left open: the deadline ends the pull. */
    @Test
    void aControllerThatGoesSilentIsLeftAfterTheDeadline() throws Exception {
        try (StoppingController stopping = new StoppingController((controller, socket) -> {
        })) {
            pullFrom(stopping.url(), next.url());
            assertThat(stopping.secondPull.await(10, TimeUnit.SECONDS)).as("second pull, kept-alive").isTrue();

            assertThat(target.applied.await(FAILOVER_BOUND_SECONDS, TimeUnit.SECONDS))
                    .as("the snapshot of the next controller applied").isTrue();
            assertThat(stopping.closedByReplica.await(10, TimeUnit.SECONDS))
                    .as("the silent connection closed by the replica").isTrue();
        }
    }
}
