package dev.ballast.controller.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.controller.desired.Condition;
import dev.ballast.controller.desired.DesiredState;
import dev.ballast.controller.desired.RouteStatus;
import dev.ballast.controller.push.PushSource;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.controller.source.SourceHealth;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Problem;
import dev.ballast.schema.RouteLoader;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.TranslationOptions;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The config and status endpoints are for people: they show routes without their passwords. The snapshot is not
 * touched: replicas still pull the passwords they check, and the version (a hash of the content) stays the same.
 */
class PasswordRedactionTest {

    private static final String HASH =
            "$6$ballastexample$eAuA3XLwdbTYgCre6aEvsjBw0sDTTmmgwJgl4mp1msTAY49k.uQO.63I7MEwun11..ckDxyJao2XkRHRpH9NY1";

    private final SnapshotStore store = new SnapshotStore(16);
    private Snapshot published;
    private EmbeddedChannel channel;

    @BeforeEach
    void pipeline() {
        published = Snapshot.of(RouteLoader.parse("r.yaml", """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: shop }
                spec:
                  service: shop
                  rules:
                    - port: 80
                      auth:
                        users: [{ name: ops, password: hunter2 }, { name: dev, passwordHash: "%s" }, { name: admin }]
                        usersSecret: team
                """.formatted(HASH)).routes().stream().map(LoadedRoute::route).toList(), List.of());
        store.publish(published);
        ReplicaRegistry replicas = new ReplicaRegistry(Clock.systemUTC(), Duration.ofSeconds(10), Duration.ofMinutes(1));
        LabelTranslator translator = new LabelTranslator(new TranslationOptions("com.df.notify", ",", false));
        channel = new EmbeddedChannel(new SnapshotPulls(store, replicas),
                new DockerFlowEndpoints(new PushSource(), translator, () -> { }, List::of, store,
                        () -> "docker-flow"),
                new StatusEndpoint(new Desired(published), store, replicas), new NotFound());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private String get(String uri) {
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri));
        channel.runPendingTasks();
        FullHttpResponse response = channel.readOutbound();
        try {
            assertThat(response.status().code()).as(uri).isEqualTo(200);
            return response.content().toString(StandardCharsets.UTF_8);
        } finally {
            response.release();
        }
    }

    @Test
    void theConfigShowsRoutesWithoutTheirPasswords() {
        String config = get("/v1/docker-flow-proxy/config");
        assertThat(config).doesNotContain("hunter2").doesNotContain(HASH)
                .contains("{\"name\":\"ops\",\"password\":\"<redacted>\"}")
                .contains("{\"name\":\"dev\",\"passwordHash\":\"<redacted>\"}")
                .contains("{\"name\":\"admin\"}")
                .contains("\"usersSecret\":\"team\"")
                .contains("\"version\":\"" + published.version() + "\"");
    }

    @Test
    void theSnapshotAndItsVersionAreUntouched() {
        get("/v1/docker-flow-proxy/config");
        get("/v1/status");
        assertThat(store.current()).isSameAs(published);
        assertThat(published.hasConsistentVersion()).isTrue();
        String pulled = get("/v1/snapshot?replica=r1&version=");
        assertThat(pulled).as("replicas need the passwords they check").contains("hunter2").contains(HASH);
    }

    @Test
    void theStatusShowsNoPasswordEither() {
        String status = get("/v1/status");
        assertThat(status).contains("\"desiredVersion\":\"" + published.version() + "\"")
                .contains("\"name\":\"shop\"").doesNotContain("hunter2").doesNotContain(HASH);
    }

    /** A controller whose desired state is the published snapshot, with a status carrying a password field. */
    private record Desired(Snapshot snapshot) implements ControllerStatus {
        @Override
        public List<SourceHealth> sources() {
            return List.of();
        }

        @Override
        public boolean synced() {
            return true;
        }

        @Override
        public Map<String, List<Problem>> gitOpsProblems() {
            return Map.of();
        }

        @Override
        public DesiredState desired() {
            return new DesiredState(snapshot, List.of(new RouteStatus("shop", "gitops", "r.yaml:1", true,
                    List.of(Condition.accepted()))));
        }

        @Override
        public Instant desiredSince() {
            return Instant.EPOCH;
        }
    }
}
