package dev.ballast.dataplane.proxy;

import static dev.ballast.dataplane.proxy.TestTraffic.bytes;
import static dev.ballast.dataplane.proxy.TestTraffic.part;
import static dev.ballast.dataplane.proxy.TestTraffic.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ClientTimeouts} alone, with a {@link Recorder} after it. Its deadlines are read from
 * {@code System.nanoTime()}, which {@code EmbeddedChannel.advanceTimeBy} does not move (the timer would fire early,
 * find its deadline ahead and sleep again), so these tests let short timeouts pass for real, then run the timer tasks
 * due. What must not have happened yet is checked well before its deadline, so a slow machine delays a close rather
 * than causing one early.
 */
class ClientTimeoutsTest {

    private static final Duration SHORT = Duration.ofMillis(200);
    private static final long WELL_PAST_SHORT = 500;
    private static final Duration NEVER = Duration.ofMinutes(10);

    private final Recorder recorder = new Recorder();
    private EmbeddedChannel channel;

    private ClientTimeouts connect(Duration firstRequest, Duration keepAlive) {
        ClientTimeouts timeouts = new ClientTimeouts(firstRequest, keepAlive);
        channel = new EmbeddedChannel(timeouts, recorder);
        return timeouts;
    }

    @AfterEach
    void finish() {
        recorder.take();
        channel.finishAndReleaseAll();
    }

    private void elapse(long millis) throws InterruptedException {
        Thread.sleep(millis);
        channel.runScheduledPendingTasks();
    }

    private void readHead() {
        channel.writeInbound(request(HttpMethod.POST, "/upload"));
    }

    /** Bytes written to the client and not flushed: they have not left, as when the client does not take them. */
    private void backlog() {
        channel.write(bytes("response bytes"));
    }

    @Test
    void aConnectionThatSendsNoHeadWithinTheFirstRequestTimeoutIsClosed() throws InterruptedException {
        connect(SHORT, NEVER);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).as("before the timeout").isTrue();
        elapse(WELL_PAST_SHORT);
        assertThat(channel.isOpen()).as("after the timeout").isFalse();
        assertThat(recorder.events).as("a wait for a head ends in a close, not an event").isEmpty();
    }

    @Test
    void aHeadInTimeIsPassedOnAndEndsTheWait() throws InterruptedException {
        connect(SHORT, NEVER);
        readHead();
        elapse(WELL_PAST_SHORT);
        assertThat(recorder.take()).containsExactly("POST /upload");
        assertThat(channel.isOpen()).isTrue();
        assertThat(recorder.events).isEmpty();
    }

    @Test
    void theNextRequestIsAwaitedForTheTimeoutGivenFromWhenTheWaitBegins() throws InterruptedException {
        ClientTimeouts timeouts = connect(SHORT, NEVER);
        readHead();
        timeouts.awaitRequest(Duration.ofMillis(700)); // as the queue does once the answer is done
        elapse(350);
        assertThat(channel.isOpen()).as("past the first request's timeout, within the new wait").isTrue();
        elapse(600);
        assertThat(channel.isOpen()).as("past the new wait").isFalse();
    }

    @Test
    void aClientStillTakingTheLastAnswerHasNotBegunToWait() throws InterruptedException {
        connect(SHORT, NEVER);
        backlog();
        elapse(WELL_PAST_SHORT);
        assertThat(channel.isOpen()).as("the answer has not left").isTrue();
        channel.flush(); // the client took it: the wait starts now
        assertThat(channel.releaseOutbound()).isTrue();
        elapse(WELL_PAST_SHORT);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aClientOwingBodyThatSendsNothingIsReportedStalledOnce() throws InterruptedException {
        ClientTimeouts timeouts = connect(NEVER, NEVER);
        readHead();
        timeouts.watchExchange(SHORT, false);
        channel.runScheduledPendingTasks();
        assertThat(recorder.events).as("before the client timeout").isEmpty();
        elapse(WELL_PAST_SHORT);
        assertThat(recorder.events).containsExactly(ClientTimeouts.CLIENT_STALLED);
        elapse(WELL_PAST_SHORT);
        assertThat(recorder.events).as("reported once: whoever holds the exchange ends it").hasSize(1);
        assertThat(channel.isOpen()).as("ending the exchange is not this handler's to do").isTrue();
    }

    @Test
    void bodyPartsCountAsProgress() throws InterruptedException {
        ClientTimeouts timeouts = connect(NEVER, NEVER);
        readHead();
        timeouts.watchExchange(Duration.ofMillis(300), false);
        assertProgressKeepsTheExchangeAlive(() -> channel.writeInbound(part("x")));
    }

    @Test
    void takingResponseBytesCountsAsProgress() throws InterruptedException {
        ClientTimeouts timeouts = connect(NEVER, NEVER);
        readHead();
        timeouts.watchExchange(Duration.ofMillis(300), true);
        backlog(); // awaited: a response is waiting for the client
        assertProgressKeepsTheExchangeAlive(timeouts::clientKeptUp);
    }

    /** With {@code progress} well within the 300 ms client timeout the exchange goes on; without it, it stalls. */
    private void assertProgressKeepsTheExchangeAlive(Runnable progress) throws InterruptedException {
        for (int i = 0; i < 6; i++) {
            Thread.sleep(60);
            progress.run();
            channel.runScheduledPendingTasks();
        }
        assertThat(recorder.events).as("360 ms of progress every 60 ms").isEmpty();
        elapse(700);
        assertThat(recorder.events).containsExactly(ClientTimeouts.CLIENT_STALLED);
    }

    @Test
    void aClientThatSentItsWholeRequestIsAwaitedOnlyWhileItHasNotTakenTheAnswer() throws InterruptedException {
        ClientTimeouts timeouts = connect(NEVER, NEVER);
        readHead();
        timeouts.watchExchange(SHORT, false);
        timeouts.requestReceived();
        elapse(WELL_PAST_SHORT);
        assertThat(recorder.events).as("waiting on the upstream is not the client's stall").isEmpty();
        backlog();
        elapse(WELL_PAST_SHORT);
        assertThat(recorder.events).containsExactly(ClientTimeouts.CLIENT_STALLED);
    }

    @Test
    void theWaitAfterAnExchangeEndsInTimeDespiteALongClientTimeout() throws InterruptedException {
        Duration keepAlive = SHORT;
        ClientTimeouts timeouts = connect(Duration.ofMillis(50), keepAlive);
        readHead();
        timeouts.watchExchange(NEVER, false); // the armed timer is early enough: kept
        elapse(100); // it fires during the exchange and is set again: no later than a keep-alive timeout away
        timeouts.requestReceived();
        timeouts.awaitRequest(keepAlive); // the exchange ended; the next wait relies on that timer
        elapse(WELL_PAST_SHORT);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void theWaitAfterTheFirstAnswerIsTheKeepAliveTimeoutEvenWhenTheFirstRequestMayTakeLonger()
            throws InterruptedException {
        Duration keepAlive = SHORT;
        ClientTimeouts timeouts = connect(NEVER, keepAlive);
        readHead();
        timeouts.awaitRequest(keepAlive); // answered by the proxy itself (say a 404): the queue awaits the next
        elapse(WELL_PAST_SHORT);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void stoppedTimeoutsNeitherCloseNorReport() throws InterruptedException {
        connect(SHORT, SHORT).stop(); // the connection became a tunnel
        ClientTimeouts removed = new ClientTimeouts(SHORT, SHORT);
        EmbeddedChannel stripped = new EmbeddedChannel(removed, new Recorder());
        stripped.pipeline().remove(removed);
        elapse(WELL_PAST_SHORT);
        stripped.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        assertThat(stripped.isOpen()).isTrue();
        assertThat(recorder.events).isEmpty();
        stripped.finishAndReleaseAll();
    }
}
