package dev.ballast.sim.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.observability.netty.Transports;
import dev.ballast.sim.model.Workloads;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Closing the runtime while a task's server is still being bound, or while a late report still asks for a virtual
 * IP, must leave no socket listening: a listener bound after the event loop group swept its channels outlives the
 * group, unserved, so the next emulator on the same addresses cannot bind them and clients connecting to it hang.
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
