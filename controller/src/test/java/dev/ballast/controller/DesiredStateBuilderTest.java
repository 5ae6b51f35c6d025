package dev.ballast.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.controller.desired.DesiredState;
import dev.ballast.controller.desired.DesiredStateBuilder;
import dev.ballast.controller.desired.RouteStatus;
import dev.ballast.controller.gitops.GitOpsSource;
import dev.ballast.controller.swarm.SwarmService;
import dev.ballast.controller.swarm.SwarmState;
import dev.ballast.controller.swarm.SwarmTask;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Route;
import dev.ballast.schema.SnapshotVersions;
import dev.ballast.schema.labels.LabelTranslation;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.TranslationOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A builder that carries state between passes must publish exactly what a fresh one computes. */
class DesiredStateBuilderTest {

    private static final LabelTranslator TRANSLATOR = new LabelTranslator(new TranslationOptions("com.df.notify", ",",
            false));

    private static DesiredStateBuilder builder() {
        return new DesiredStateBuilder(TRANSLATOR, Optional.empty());
    }

    private static SwarmService service(int i, String path, boolean optedIn) {
        return new SwarmService("id" + i, "svc" + i, optedIn
                ? Map.of("com.df.notify", "true", "com.df.servicePath", path, "com.df.port", "8080")
                : Map.of("other", "x"), List.of("net"), Map.of("net", "10.9.0." + i), 2L, false);
    }

    /** A GitOps route named as service {@code i}'s label route (so the two conflict), for service {@code target}. */
    private static LoadedRoute gitopsRoute(int i, int target, int line) {
        Route route = ((LabelTranslation.Translated) TRANSLATOR.translateLabels("svc" + target, Map.of(
                "com.df.notify", "true", "com.df.servicePath", "/g" + i, "com.df.port", "8080"))).route();
        Route renamed = new Route(route.apiVersion(), route.kind(),
                new Route.Metadata(routeName(i)), route.spec());
        return new LoadedRoute(renamed, "routes.yaml", line);
    }

    private static String routeName(int i) {
        return ((LabelTranslation.Translated) TRANSLATOR.translateLabels("svc" + i, service(i, "/x", true).labels()))
                .route().name();
    }

    @Test
    void incrementalPassesAgreeWithFromScratchBuilds() {
        Random random = new Random(7);
        Map<Integer, SwarmService> services = new TreeMap<>();
        List<SwarmTask> tasks = new ArrayList<>();
        List<LoadedRoute> gitops = new ArrayList<>();
        Map<String, Map<String, String>> push = new TreeMap<>();
        Map<String, String> networks = Map.of("net", "proxy");
        for (int i = 0; i < 30; i++) {
            services.put(i, service(i, "/s" + i, true));
            tasks.add(new SwarmTask("t" + i, "id" + i, Map.of("net", "10.1.0." + i)));
        }
        DesiredStateBuilder incremental = builder();
        for (int step = 0; step < 400; step++) {
            int i = random.nextInt(40); // services 30..39 come and go
            switch (random.nextInt(10)) {
                case 0 -> services.put(i, service(i, "/s" + i + "/v" + step, true));
                case 1 -> services.put(i, service(i, "/s" + i, random.nextBoolean()));
                case 2 -> tasks.add(new SwarmTask("t" + step + "x", "id" + i, Map.of("net", "10.2." + (step % 250) + "." + i)));
                case 3 -> {
                    if (!tasks.isEmpty()) {
                        tasks.remove(random.nextInt(tasks.size()));
                    }
                }
                case 4 -> services.remove(i);
                case 5 -> { // a GitOps route taking over (or freeing) a label route's name, pointing at some service
                    if (gitops.isEmpty() || random.nextBoolean()) {
                        gitops.add(gitopsRoute(i, random.nextInt(40), step));
                    } else {
                        gitops.remove(random.nextInt(gitops.size()));
                    }
                }
                case 6 -> { // a push registration under a label service's name, or its removal
                    if (push.containsKey("svc" + i)) {
                        push.remove("svc" + i);
                    } else {
                        push.put("svc" + i, Map.of("serviceName", "svc" + i, "servicePath", "/p" + i, "port", "8080"));
                    }
                }
                case 7 -> networks = random.nextBoolean() ? Map.of("net", "proxy") : Map.of("net", "ingress");
                default -> services.put(i, service(i, "bad path", true)); // invalid: must drop out of the snapshot
            }
            SwarmState state = SwarmState.of(List.copyOf(services.values()), tasks, networks);
            GitOpsSource.State files = new GitOpsSource.State(List.copyOf(gitops), Map.of());
            DesiredState warm = incremental.build(state, files, push);
            DesiredState cold = builder().build(state, files, push);
            assertThat(warm.snapshot()).as("step " + step).isEqualTo(cold.snapshot());
            assertThat(warm.snapshot().version()).isEqualTo(SnapshotVersions.versionOf(warm.snapshot()));
            assertThat(warm.sortedRoutes()).as("statuses at step " + step).isEqualTo(cold.sortedRoutes());
        }
    }

    @Test
    void conflictsAndMissingEndpointsAreReported() {
        SwarmState state = SwarmState.of(List.of(service(1, "/a", true)), List.of(), Map.of("net", "proxy"));
        GitOpsSource.State files = new GitOpsSource.State(List.of(gitopsRoute(1, 2, 7)), Map.of());
        List<RouteStatus> routes = builder().build(state, files, Map.of()).sortedRoutes();
        assertThat(routes).hasSize(2);
        assertThat(routes.get(0).accepted()).isTrue();
        assertThat(routes.get(0).origin()).isEqualTo("routes.yaml:7");
        assertThat(routes.get(0).conditions()).extracting(c -> c.type() + ": " + c.message()).containsExactly(
                "Accepted: in the desired snapshot",
                "Conflict: takes precedence over the route of the same name from swarm (service svc1)",
                "NoEndpoints: no Swarm service named svc2");
        assertThat(routes.get(1).accepted()).isFalse();
        assertThat(routes.get(1).conditions()).extracting(c -> c.type() + ": " + c.message()).containsExactly(
                "Conflict: also defined by gitops (routes.yaml:7), which takes precedence");
    }

    @Test
    void aRepeatedPassChangesNothing() {
        SwarmState state = SwarmState.of(List.of(service(1, "/a", true)), List.of(), Map.of("net", "proxy"));
        DesiredStateBuilder b = builder();
        DesiredState first = b.build(state, GitOpsSource.State.EMPTY, Map.of());
        DesiredState second = b.build(state, GitOpsSource.State.EMPTY, Map.of());
        assertThat(second.snapshot()).isEqualTo(first.snapshot());
        assertThat(second.snapshot().version()).isEqualTo(first.snapshot().version());
        assertThat(second.routes()).isEqualTo(first.routes());
    }

    @Test
    void aRelistedSwarmKeepsTheInstancesOfUnchangedServices() {
        List<SwarmTask> tasks = List.of(new SwarmTask("t1", "id1", Map.of("net", "10.1.0.1")));
        SwarmState before = SwarmState.of(List.of(service(1, "/a", true), service(2, "/b", true)), tasks,
                Map.of("net", "proxy"));
        SwarmState after = SwarmState.of(List.of(service(2, "/b2", true), service(1, "/a", true)), tasks,
                Map.of("net", "proxy")).reusing(before);
        assertThat(after.services().get(0)).isSameAs(before.services().get(0));
        assertThat(after.services().get(1)).isNotSameAs(before.services().get(1)).isNotEqualTo(before.services().get(1));
        assertThat(after.services().get(1).service().labels()).containsEntry("com.df.servicePath", "/b2");
    }
}
