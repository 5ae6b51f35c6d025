package dev.ballast.dataplane.bench;

import dev.ballast.dataplane.routing.Match;
import dev.ballast.dataplane.routing.RequestFacts;
import dev.ballast.dataplane.routing.RoutingTable;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteSpec;
import dev.ballast.schema.Rule;
import dev.ballast.schema.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Matching a request against 10 and 10,000 routes: a third of them by host, the rest by path prefix, a request mix
 * that hits random routes (and some that hit none). With an index the cost must not grow with the number of routes.
 * Run with {@code bench/route-matching.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchingBenchmark {

    @Param({"10", "10000"})
    int routes;

    private RoutingTable table;
    private RequestFacts[] requests;
    private int next;

    @Setup
    public void setUp() {
        List<Route> list = new ArrayList<>();
        for (int i = 0; i < routes; i++) {
            List<String> hosts = i % 3 == 0 ? List.of("svc" + i + ".example.com") : List.of();
            Rule rule = new Rule(List.of("/svc" + i + "/"), null, null, hosts, null, null, null, null, 8080,
                    List.of(new Rule.Rewrite("^/svc" + i + "/", "/")), null, null, null, null, null, false, null,
                    null, false);
            list.add(Route.of("svc" + i, RouteSpec.forService("svc" + i, List.of(rule))));
        }
        table = RoutingTable.compile(Snapshot.of(list, List.of()));
        Random random = new Random(1);
        Function<String, String> noHeaders = name -> null;
        requests = new RequestFacts[1024];
        for (int i = 0; i < requests.length; i++) {
            int target = random.nextInt(routes + routes / 10 + 1); // some requests match nothing
            String host = target % 3 == 0 ? "svc" + target + ".example.com" : "www.example.org";
            requests[i] = new RequestFacts("GET", host, "/svc" + target + "/items/" + i, noHeaders, 80);
        }
    }

    @Benchmark
    public Match match() {
        return table.match(requests[next++ & 1023]);
    }
}
