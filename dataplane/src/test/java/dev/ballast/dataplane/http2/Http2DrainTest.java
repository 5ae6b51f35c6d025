package dev.ballast.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import io.netty.handler.codec.http2.Http2Error;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A replica stopping with an HTTP/2 stream under way: the client hears a GOAWAY at once (no error, its stream
 * counted as taken), the stream still gets its whole answer, and the connection closes after it.
 */
class Http2DrainTest {

    @Test
    void aDrainSendsGoAwayAndLetsTheStreamFinish() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        HttpServer backend = TestReplicas.backend(exchange -> {
            arrived.countDown();
            try {
                Thread.sleep(700); // the drain starts meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "finished\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        // A drain grace well above the backend's 700 ms, yet short enough that a drain that waits it out whole still
        // ends within the bound below. On epoll: what a drain does does not depend on the transport, and Netty's
        // io_uring loop has been seen, twice in full runs, to hang as it ended with this connection still open (the
        // replica's stop then gives up on it after 5 s, and the client never sees the close).
        DataplaneServer server = new DataplaneServer(TestReplicas.withEpoll(TestReplicas.config(Duration.ofSeconds(5),
                Duration.ofSeconds(3))));
        try (RawH2Connection h2 = startAndConnect(server, backend)) {
            h2.headers(1, RawH2Connection.get("/app/slow"), true);
            assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> draining = CompletableFuture.runAsync(server::drain);

            RawH2Connection.Frame goAway = h2.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo((int) Http2Error.NO_ERROR.code());
            RawH2Connection.StreamAnswer answer = h2.await(1);
            assertThat(answer.status()).isEqualTo("200");
            assertThat(answer.bodyText()).isEqualTo("finished\n");
            draining.get(20, TimeUnit.SECONDS); // it ends, rather than hang
            await().atMost(Duration.ofSeconds(2)).until(h2::closed);
        } finally {
            server.close();
            backend.stop(0);
        }
    }

    private static RawH2Connection startAndConnect(DataplaneServer server, HttpServer backend) throws Exception {
        server.start();
        server.apply(TestReplicas.route("app", "/app/", backend.getAddress().getPort()), "test");
        return new RawH2Connection(server.trafficAddress().getPort());
    }
}
