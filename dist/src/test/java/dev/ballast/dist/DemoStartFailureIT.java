package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code ballast demo} where one of its addresses is taken: it says which, and leaves nothing running. */
class DemoStartFailureIT {

    @Test
    void saysWhichAddressIsTakenAndStopsWhatItStarted() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.setReuseAddress(true);
            taken.bind(new InetSocketAddress("127.0.0.1", 8080));
            Process demo = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar",
                    DemoIT.JAR.toString(), "demo", "--empty").start();
            assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("gives up").isTrue();
            String err = new String(demo.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(demo.exitValue()).as(err).isEqualTo(1);
            assertThat(err).contains("ballast demo: cannot start the controller on http://127.0.0.1:8080: ");
        }
        for (int port : new int[] {2375, 8000, 8001, 8100, 8101}) {
            try (ServerSocket free = new ServerSocket()) {
                free.bind(new InetSocketAddress("127.0.0.1", port)); // what the demo had started is gone
            }
        }
    }
}
