package dev.ballast.controller.bench;

import dev.ballast.controller.desired.DesiredState;
import dev.ballast.controller.desired.DesiredStateBuilder;
import dev.ballast.controller.gitops.GitOpsSource;
import dev.ballast.controller.swarm.SwarmService;
import dev.ballast.controller.swarm.SwarmState;
import dev.ballast.controller.swarm.SwarmTask;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.SecretSource;
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
 * Building the desired snapshot from Swarm state: from scratch (every label set translated, every item hashed) and
 * after one service changed (what the controller does on a typical event). Targets: 10,000 services from scratch in
 * 200 ms, one changed service in 5 ms, on a 2-core machine. Run with {@code bench/controller-snapshot.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class DesiredStateBenchmark {

    @Param({"10000"})
    int services;

    private SwarmState swarm;
    private List<SwarmService> serviceList;
    private DesiredStateBuilder warm;
    private int changes;

    static LabelTranslator translator() {
        return new LabelTranslator(new TranslationOptions("com.df.notify", ",", false, SecretSource.none()));
    }

    static SwarmService service(int i, String path) {
        return new SwarmService("id" + i, "stack_svc" + i, Map.of("com.df.notify", "true", "com.df.servicePath", path,
                "com.df.port", "8080", "com.df.reqPathSearchReplace", path + ",/", "com.docker.stack.namespace", "stack"),
                List.of("net1"), Map.of("net1", "10.0." + (i / 250) + "." + (i % 250)), 2L, false);
    }

    @Setup(Level.Trial)
    public void setUp() {
        serviceList = new ArrayList<>();
        List<SwarmTask> tasks = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            serviceList.add(service(i, "/svc" + i + "/"));
            tasks.add(new SwarmTask("t" + i + "a", "id" + i, Map.of("net1", "10.1." + (i / 250) + "." + (i % 250))));
            tasks.add(new SwarmTask("t" + i + "b", "id" + i, Map.of("net1", "10.2." + (i / 250) + "." + (i % 250))));
        }
        swarm = new SwarmState(serviceList, tasks, Map.of("net1", "proxy"));
        warm = new DesiredStateBuilder(translator(), "com.df.notify", Optional.empty());
        warm.build(swarm, GitOpsSource.State.EMPTY, Map.of());
    }

    /** A controller that just started: nothing cached. */
    @Benchmark
    public DesiredState fromScratch() {
        return new DesiredStateBuilder(translator(), "com.df.notify", Optional.empty())
                .build(swarm, GitOpsSource.State.EMPTY, Map.of());
    }

    /** A running controller after one service's labels changed. */
    @Benchmark
    public DesiredState oneServiceChanged() {
        int i = changes++ % services;
        List<SwarmService> changed = new ArrayList<>(serviceList);
        changed.set(i, service(i, "/svc" + i + "/v" + changes + "/"));
        return warm.build(new SwarmState(changed, swarm.tasks(), swarm.networkNames()), GitOpsSource.State.EMPTY, Map.of());
    }
}
