package dev.ballast.observability.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A stop waits for its event loops, but a loop that does not end does not hold it. */
class LoopShutdownTest {

    @Test
    void idleLoopsEndAndSaySo() {
        EventLoopGroup loops = Transports.group(2);
        loops.next().submit(() -> { }).syncUninterruptibly(); // started
        assertThat(LoopShutdown.shutDown(loops, "the test loops", 0, 1000)).isTrue();
        assertThat(loops.isTerminated()).isTrue();
    }

    @Test
    void aLoopThatDoesNotEndIsLeftBehindWithinItsTimeout() throws InterruptedException {
        EventLoopGroup loops = Transports.group(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        loops.execute(() -> { // a loop stuck in a task, as one stuck waiting for a completion is
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
        try {
            boolean ended = assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> LoopShutdown.shutDown(loops, "the test loops", 0, 200));
            assertThat(ended).isFalse();
            assertThat(loops.isTerminated()).isFalse();
        } finally {
            release.countDown();
        }
        assertThat(loops.terminationFuture().awaitUninterruptibly(5000)).as("ends once its task does").isTrue();
    }
}
