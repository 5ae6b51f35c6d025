package dev.ballast.controller.bench;

import dev.ballast.controller.desired.DesiredState;
import dev.ballast.controller.desired.DesiredStateBuilder;
import dev.ballast.controller.gitops.GitOpsSource;
import dev.ballast.controller.swarm.SwarmService;
import dev.ballast.controller.swarm.SwarmState;
import dev.ballast.controller.swarm.SwarmTask;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.TranslationOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Building the desired snapshot from Swarm state: from scratch (every label set translated, every item hashed) and,
 * in a running controller, after one service's labels changed, one service was created or removed, one service's
 * tasks changed. Targets: 10,000 services from scratch in 200 ms, a one-service change in 5 ms, on a 2-core machine.
 *
 * <p>The one-service benchmarks time the builder only. Turning the engine's listing into a state whose unchanged
 * services keep their instances ({@link SwarmState#of} then {@link SwarmState#reusing}) is the source's work after a
 * Docker API call, done in each invocation's set-up; {@link #relist} times it on its own. Run with
 * {@code bench/controller-snapshot.sh}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class DesiredStateBenchmark {

    static LabelTranslator translator() {
        return new LabelTranslator(new TranslationOptions("com.df.notify", ",", false));
    }

    static SwarmService service(int i, String path) {
        return new SwarmService("id" + i, "stack_svc" + i, Map.of("com.df.notify", "true", "com.df.servicePath", path,
                "com.df.port", "8080", "com.df.reqPathSearchReplace", path + ",/", "com.docker.stack.namespace", "stack"),
                List.of("net1"), Map.of("net1", "10.0." + (i / 250) + "." + (i % 250)), 2L, false);
    }

    /** A swarm of {@code services} services with two tasks each, and a controller that has built it once. */
    @State(Scope.Benchmark)
    public static class Swarm {
        @Param({"10000"})
        int services;

        List<SwarmService> serviceList = new ArrayList<>();
        List<SwarmTask> tasks = new ArrayList<>();
        SwarmState state;
        DesiredStateBuilder builder;
        int changes;

        @Setup(Level.Trial)
        public void setUp() {
            for (int i = 0; i < services; i++) {
                serviceList.add(service(i, "/svc" + i + "/"));
                tasks.add(new SwarmTask("t" + i + "a", "id" + i, Map.of("net1", "10.1." + (i / 250) + "." + (i % 250))));
                tasks.add(new SwarmTask("t" + i + "b", "id" + i, Map.of("net1", "10.2." + (i / 250) + "." + (i % 250))));
            }
            state = SwarmState.of(serviceList, tasks, Map.of("net1", "proxy"));
            builder = new DesiredStateBuilder(translator(), Optional.empty());
            builder.build(state, GitOpsSource.State.EMPTY, Map.of());
        }

        /** The engine's listing of {@code listed} services and {@code running} tasks, as the source keeps it. */
        SwarmState relisted(List<SwarmService> listed, List<SwarmTask> running) {
            state = SwarmState.of(listed, running, state.networkNames()).reusing(state);
            return state;
        }
    }

    /** The state after one service's labels changed. */
    @State(Scope.Thread)
    public static class Relabelled {
        SwarmState next;

        @Setup(Level.Invocation)
        public void setUp(Swarm swarm) {
            int i = swarm.changes++ % swarm.services;
            List<SwarmService> listed = new ArrayList<>(swarm.serviceList);
            listed.set(i, service(i, "/svc" + i + "/v" + swarm.changes + "/"));
            next = swarm.relisted(listed, swarm.tasks);
        }
    }

    /** The state after one service was created, or (every other time) removed again. */
    @State(Scope.Thread)
    public static class CreatedOrRemoved {
        SwarmState next;

        @Setup(Level.Invocation)
        public void setUp(Swarm swarm) {
            List<SwarmService> listed = new ArrayList<>(swarm.serviceList);
            if (swarm.changes++ % 2 == 0) {
                listed.add(service(swarm.services, "/created/"));
            }
            next = swarm.relisted(listed, swarm.tasks);
        }
    }

    /** The state after a task poll found one service's task replaced. */
    @State(Scope.Thread)
    public static class Rescheduled {
        SwarmState next;

        @Setup(Level.Invocation)
        public void setUp(Swarm swarm) {
            int i = swarm.changes++ % swarm.services;
            List<SwarmTask> polled = new ArrayList<>(swarm.tasks);
            polled.set(2 * i, new SwarmTask("t" + i + "c" + swarm.changes, "id" + i,
                    Map.of("net1", "10.3." + (i / 250) + "." + (i % 250))));
            next = swarm.relisted(swarm.serviceList, polled);
        }
    }

    /** A controller that just started: nothing cached. */
    @Benchmark
    public DesiredState fromScratch(Swarm swarm) {
        return new DesiredStateBuilder(translator(), Optional.empty())
                .build(swarm.state, GitOpsSource.State.EMPTY, Map.of());
    }

    @Benchmark
    public DesiredState oneServiceChanged(Swarm swarm, Relabelled change) {
        return swarm.builder.build(change.next, GitOpsSource.State.EMPTY, Map.of());
    }

    @Benchmark
    public DesiredState oneServiceCreatedOrRemoved(Swarm swarm, CreatedOrRemoved change) {
        return swarm.builder.build(change.next, GitOpsSource.State.EMPTY, Map.of());
    }

    @Benchmark
    public DesiredState oneServiceRescheduled(Swarm swarm, Rescheduled change) {
        return swarm.builder.build(change.next, GitOpsSource.State.EMPTY, Map.of());
    }

    /** The source's share: a full listing of services and tasks turned into a state that reuses unchanged services. */
    @Benchmark
    public SwarmState relist(Swarm swarm) {
        return SwarmState.of(swarm.serviceList, swarm.tasks, swarm.state.networkNames()).reusing(swarm.state);
    }
}
