package dev.ballast.dataplane.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.schema.HealthCheck;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a replica reports of its endpoints' health (dashboard figures): an address is healthy only when every check of
 * it passes (routes may check one address on different paths), and an address without a check is not reported.
 */
class HealthByAddressTest {

    @Test
    void anAddressIsHealthyOnlyWhenEveryCheckOfItPasses() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress(0), 0); // every loopback address
        backend.createContext("/ok", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        backend.createContext("/broken", exchange -> {
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        backend.start();
        String address = "127.0.0.1:" + backend.getAddress().getPort();
        String other = "127.0.0.2:" + backend.getAddress().getPort(); // the same server, another address
        Duration often = Duration.ofMillis(50);
        try (HealthChecks checks = new HealthChecks()) {
            checks.reconcile(Set.of(
                    new HealthChecks.Target(address, new HealthCheck("/ok", often, null, 1, 1)),
                    new HealthChecks.Target(address, new HealthCheck("/broken", often, null, 1, 1)),
                    new HealthChecks.Target(other, new HealthCheck("/ok", often, null, 1, 1))));
            await().atMost(Duration.ofSeconds(5)).until(() -> Boolean.FALSE.equals(
                    checks.healthByAddress().get(address)));
            assertThat(checks.healthByAddress()).containsEntry(other, true).doesNotContainKey("127.0.0.3:80")
                    .hasSize(2);
        } finally {
            backend.stop(0);
        }
    }
}
