package dev.ballast.observability.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A loop that stops running tasks is reported as stalled, the others not, and it recovers when it runs again. */
class EventLoopWatchdogTest {

    @Test
    void aBlockedLoopIsStalledUntilItRunsAgain() throws Exception {
        EventLoopGroup group = Transports.group(2);
        CountDownLatch release = new CountDownLatch(1);
        try (EventLoopWatchdog watchdog = new EventLoopWatchdog(group, Duration.ofMillis(20), Duration.ofMillis(300))) {
            await().atMost(Duration.ofSeconds(5)).until(watchdog::responsive);
            assertThat(watchdog.loops()).hasSize(2);
            assertThat(watchdog.health().body()).containsEntry("status", "ok").doesNotContainKey("reasons");

            var iterator = group.iterator();
            iterator.next();
            iterator.next().execute(() -> { // the second loop blocks, as a handler that waits would
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> !watchdog.responsive());
            assertThat(watchdog.loops()).satisfiesExactly(
                    first -> assertThat(first.stalled()).isFalse(),
                    second -> {
                        assertThat(second.loop()).isEqualTo(1);
                        assertThat(second.stalled()).isTrue();
                        assertThat(second.lag()).isGreaterThan(Duration.ofMillis(300));
                    });
            assertThat(watchdog.health().body()).containsEntry("status", "stalled")
                    .hasEntrySatisfying("reasons", reasons -> assertThat(reasons.toString())
                            .contains("event loop 1 has run no task for").doesNotContain("event loop 0"));

            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(watchdog::responsive);
        } finally {
            release.countDown();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
