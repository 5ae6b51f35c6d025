package dev.ballast.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.controller.desired.DesiredState;
import dev.ballast.controller.desired.DesiredStateBuilder;
import dev.ballast.controller.gitops.GitOpsSource;
import dev.ballast.controller.swarm.SwarmService;
import dev.ballast.controller.swarm.SwarmState;
import dev.ballast.controller.swarm.SwarmTask;
import dev.ballast.schema.SnapshotVersions;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.SecretSource;
import dev.ballast.schema.labels.TranslationOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A builder that carries state between passes must publish exactly what a fresh one computes. */
class DesiredStateBuilderTest {

    private static DesiredStateBuilder builder() {
        return new DesiredStateBuilder(new LabelTranslator(new TranslationOptions("com.df.notify", ",", false,
                SecretSource.none())), "com.df.notify", Optional.empty());
    }

    private static SwarmService service(int i, String path, boolean optedIn) {
        return new SwarmService("id" + i, "svc" + i, optedIn
                ? Map.of("com.df.notify", "true", "com.df.servicePath", path, "com.df.port", "8080")
                : Map.of("other", "x"), List.of("net"), Map.of("net", "10.9.0." + i), 2L, false);
    }

    @Test
    void incrementalPassesAgreeWithFromScratchBuilds() {
        Random random = new Random(7);
        List<SwarmService> services = new ArrayList<>();
        List<SwarmTask> tasks = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            services.add(service(i, "/s" + i, true));
            tasks.add(new SwarmTask("t" + i, "id" + i, Map.of("net", "10.1.0." + i)));
        }
        DesiredStateBuilder incremental = builder();
        for (int step = 0; step < 200; step++) {
            int i = random.nextInt(services.size());
            switch (random.nextInt(5)) {
                case 0 -> services.set(i, service(i, "/s" + i + "/v" + step, true));
                case 1 -> services.set(i, service(i, "/s" + i, random.nextBoolean()));
                case 2 -> tasks.add(new SwarmTask("t" + step + "x", "id" + i, Map.of("net", "10.2." + (step % 250) + "." + i)));
                case 3 -> {
                    if (!tasks.isEmpty()) {
                        tasks.remove(random.nextInt(tasks.size()));
                    }
                }
                default -> services.set(i, service(i, "bad path", true)); // invalid: must drop out of the snapshot
            }
            SwarmState state = new SwarmState(services, tasks, Map.of("net", "proxy"));
            DesiredState warm = incremental.build(state, GitOpsSource.State.EMPTY, Map.of());
            DesiredState cold = builder().build(state, GitOpsSource.State.EMPTY, Map.of());
            assertThat(warm.snapshot()).as("step " + step).isEqualTo(cold.snapshot());
            assertThat(warm.snapshot().version()).isEqualTo(SnapshotVersions.versionOf(warm.snapshot()));
        }
    }

    @Test
    void aRepeatedPassChangesNothing() {
        SwarmState state = new SwarmState(List.of(service(1, "/a", true)), List.of(), Map.of("net", "proxy"));
        DesiredStateBuilder b = builder();
        DesiredState first = b.build(state, GitOpsSource.State.EMPTY, Map.of());
        DesiredState second = b.build(state, GitOpsSource.State.EMPTY, Map.of());
        assertThat(second.snapshot()).isEqualTo(first.snapshot());
        assertThat(second.snapshot().version()).isEqualTo(first.snapshot().version());
        assertThat(second.routes()).isEqualTo(first.routes());
    }
}
