package dev.ballast.controller.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.opentelemetry.api.trace.TracerProvider;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the retry around Docker API calls retries, and what it must not. */
class SwarmClientRetryTest {

    private final AtomicInteger retries = new AtomicInteger();
    private SwarmClient client;

    @BeforeEach
    void client() {
        // Nothing listens there; the calls below never reach the client's transport anyway.
        client = new SwarmClient("tcp://127.0.0.1:9", (operation, failed, nanos) -> { }, TracerProvider.noop().get("test"));
        client.retry().getEventPublisher().onRetry(e -> retries.incrementAndGet());
    }

    @AfterEach
    void close() throws IOException {
        client.close();
    }

    @Test
    void aCallAgainstAnOpenBreakerFailsAtOnce() {
        client.breaker().transitionToOpenState();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> client.call("services", () -> attempts.incrementAndGet()))
                .isInstanceOf(CallNotPermittedException.class);
        assertThat(attempts).as("the breaker let nothing through").hasValue(0);
        // Retrying would wait out the backoff (at least 50 ms, then 100 ms) only to be refused again.
        assertThat(retries).as("retries of a refused call").hasValue(0);
        assertThat(client.retry().getMetrics().getNumberOfFailedCallsWithoutRetryAttempt()).isEqualTo(1);
    }

    @Test
    void aFailingCallIsStillRetriedWhileTheBreakerIsClosed() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> client.call("services", () -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("connection refused");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(attempts).as("three attempts").hasValue(3);
        assertThat(retries).hasValue(2);
    }
}
