package dev.ballast.sim.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.observability.netty.Transports;
import dev.ballast.sim.model.Workloads;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Closing the runtime must leave no socket of its tasks open. A listener bound after the event loop group swept its
 * channels (a bind still under way at close, a virtual IP a late report asks for) outlives the group, unserved: the
 * next emulator on the same addresses cannot bind them, and clients connecting to it hang. An accepted connection
 * left open hangs the client that pooled it once it reuses it against the next emulator.
 */
class TaskRuntimeCloseTest {

    @Test
    void serversStillBindingAndVirtualIpsAskedForLateDoNotOutliveClose() throws Exception {
        int taskPort = freePort();
        int vipPort = freePort();
        EventLoopGroup group = Transports.group(1);
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // Keeps the loop busy, so the bind below is still queued when the runtime closes and the group shuts down.
        group.execute(() -> {
            busy.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();

        TaskRuntime runtime = new TaskRuntime(group, new TaskLogs(Clock.systemUTC()));
        runtime.start(new Workloads.TaskLaunch("t1", "s1", "web", 1, "n1", "traefik/whoami",
                List.of("--port", String.valueOf(taskPort)), Map.of(), "host", List.of("127.0.0.1")),
                new Workloads.TaskCallback() {
                    @Override
                    public void running(int port) {
                    }

                    @Override
                    public void failed(String error, int exitCode) {
                    }
                });
        runtime.close();
        // A task that turns running as the emulator closes publishes its service's virtual IP.
        runtime.virtualIps("s1", List.of(new Workloads.VipBinding("127.0.0.1", vipPort, List.of("127.0.0.1"))));
        Future<?> terminated = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        release.countDown();
        assertThat(terminated.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(canBind(taskPort)).as("the task's port is free again").isTrue();
        assertThat(canBind(vipPort)).as("the virtual IP's port is free again").isTrue();
    }

    @Test
    void closingEndsTheConnectionsTheTasksAccepted() throws Exception {
        int taskPort = freePort();
        EventLoopGroup group = Transports.group(2);
        try {
            TaskRuntime runtime = new TaskRuntime(group, new TaskLogs(Clock.systemUTC()));
            CountDownLatch running = new CountDownLatch(1);
            runtime.start(new Workloads.TaskLaunch("t1", "s1", "web", 1, "n1", "traefik/whoami",
                    List.of("--port", String.valueOf(taskPort)), Map.of(), "host", List.of("127.0.0.1")),
                    new Workloads.TaskCallback() {
                        @Override
                        public void running(int port) {
                            running.countDown();
                        }

                        @Override
                        public void failed(String error, int exitCode) {
                        }
                    });
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            try (Socket client = new Socket("127.0.0.1", taskPort)) {
                client.setSoTimeout(5000);
                client.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = client.getInputStream();
                byte[] head = new byte[12];
                assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
                assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
                in.skip(in.available());

                runtime.close();
                // A kept-alive connection ends with the runtime, as a stopped container's connections do; left open,
                // a client that pools it would later send a request nobody reads.
                assertThat(drainToEnd(in)).as("the connection was closed").isTrue();
            }
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Reads until the peer closes; false when it does not within the socket's timeout. */
    private static boolean drainToEnd(InputStream in) throws IOException {
        try {
            while (in.read() >= 0) {
                // the rest of the answer
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
