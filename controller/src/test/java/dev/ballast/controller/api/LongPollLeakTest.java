package dev.ballast.controller.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.config.HostPort;
import dev.ballast.controller.push.PushSource;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.schema.Snapshot;
import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultPromise;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * A replica long-polls on one kept-alive connection for as long as it runs: whatever a parked pull attaches to the
 * connection must go when the pull is answered, or every poll leaves a little behind until the heap is full.
 */
class LongPollLeakTest {

    private static final int WARM_UP = 500;
    private static final int POLLS = 5000;

    @Test
    void parkedPullsOnAKeptAliveConnectionLeaveNothingBehind() throws Exception {
        SnapshotStore store = new SnapshotStore(16);
        store.publish(Snapshot.empty());
        // The pull reads only the store and the replica registry; the other parts are never reached here.
        ControllerApi api = new ControllerApi(new ControllerApi.Parts(store,
                new ReplicaRegistry(Clock.systemUTC(), Duration.ofSeconds(10), Duration.ofMinutes(1)), null,
                new PushSource(), null, () -> { }, List::of, () -> new byte[0],
                new dev.ballast.controller.certificates.CertificateStore(java.util.Optional.empty(),
                        java.util.Optional.empty(), () -> { }), java.util.Optional.empty()));
        api.listen(new HostPort("127.0.0.1", 0));
        try {
            pollManyTimes(api, store.current().version());
        } finally {
            api.close();
        }
    }

    private static void pollManyTimes(ControllerApi api, String version) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", api.address().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            // The replica is at the current version, so each pull is parked, then answered 304 when its wait ends.
            byte[] request = ("GET /v1/snapshot?replica=r1&version=" + version + "&wait=1ms HTTP/1.1\r\n"
                    + "Host: controller\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < WARM_UP; i++) {
                assertThat(poll(out, in, request)).isEqualTo(304);
            }
            Channel channel = serverSide(api, socket);
            int listenersBefore = closeListeners(channel);
            long heapBefore = usedHeapAfterGc();
            for (int i = 0; i < POLLS; i++) {
                assertThat(poll(out, in, request)).as("poll %d", i).isEqualTo(304);
            }
            int listenersAfter = closeListeners(channel);
            long heapAfter = usedHeapAfterGc();
            assertThat(channel.isActive()).as("the same connection all along").isTrue();
            // Both, so that a failure shows the two effects of a leak at once.
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(listenersAfter).as("listeners on the connection's closeFuture after %d more polls", POLLS)
                    .isLessThanOrEqualTo(listenersBefore);
            // What an answered poll used to leave (a listener, the watch and the request it captured) is hundreds of
            // bytes; 64 per poll leaves room for the noise of the heap reading without hiding that.
            soft.assertThat((heapAfter - heapBefore) / POLLS).as("bytes of heap kept per poll").isLessThan(64);
            soft.assertAll();
        }
    }

    /** Sends one request and reads its whole response; returns the status. */
    private static int poll(OutputStream out, InputStream in, byte[] request) throws IOException {
        out.write(request);
        out.flush();
        String status = line(in);
        int length = 0;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            if (header.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(header.substring(colon + 1).trim());
            }
        }
        in.readNBytes(length);
        return Integer.parseInt(status.split(" ")[1]);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static Channel serverSide(ControllerApi api, Socket socket) {
        InetSocketAddress client = (InetSocketAddress) socket.getLocalSocketAddress();
        return api.connections().stream()
                .filter(c -> c.remoteAddress() instanceof InetSocketAddress a && a.getPort() == client.getPort())
                .findFirst().orElseThrow();
    }

    /**
     * How many listeners the channel's closeFuture holds. Netty keeps the first in {@code listener} and more in
     * {@code listeners}; read on the channel's event loop, where they change.
     */
    private static int closeListeners(Channel channel) throws Exception {
        return channel.eventLoop().submit(() -> {
            Object promise = channel.closeFuture();
            synchronized (promise) {
                Object one = field(DefaultPromise.class, "listener").get(promise);
                Object many = field(DefaultPromise.class, "listeners").get(promise);
                int more = many == null ? 0 : (int) field(many.getClass(), "size").get(many);
                return (one == null ? 0 : 1) + more;
            }
        }).get();
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
