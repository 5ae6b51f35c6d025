package dev.ballast.controller.api;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.ballast.controller.desired.RouteStatus;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.schema.EndpointAddresses;
import dev.ballast.schema.EndpointReport;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import dev.ballast.schema.Snapshot;
import io.netty.channel.ChannelHandlerContext;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code GET /v1/dashboard}: what the dashboard shows, in one answer it polls. Each route as {@code /v1/status} reports
 * it, with its hosts, paths, policy and Route resource, and each of its endpoint addresses with the figures every
 * replica reported for it; the replicas, sources, certificates and GitOps problems as {@code /v1/status} has them.
 * Passwords are redacted, as everywhere people read.
 */
final class DashboardData extends Endpoint {

    /** One replica's figures for one endpoint. */
    record ReplicaFigures(String replica, int inFlight, double latencyMs, int ejections, boolean ejected,
                          Boolean healthy) {
    }

    /** A replica as {@code /v1/status} shows it, with when it last reported its endpoints (and why a report failed). */
    record ReplicaRow(@JsonUnwrapped ReplicaRegistry.ReplicaView view, Instant reportedAt, String reportError) {
    }

    /** One endpoint address of a route, and what each replica that reported it says of it. */
    record EndpointRow(String address, List<ReplicaFigures> replicas) {
    }

    private final ControllerStatus controller;
    private final SnapshotStore store;
    private final ReplicaRegistry replicas;
    private final Clock clock;

    DashboardData(ControllerStatus controller, SnapshotStore store, ReplicaRegistry replicas, Clock clock) {
        super(Set.of("/v1/dashboard"));
        this.controller = controller;
        this.store = store;
        this.replicas = replicas;
        this.clock = clock;
    }

    @Override
    void handle(ChannelHandlerContext ctx, ApiRequest request) {
        Responses.redactedJson(ctx, 200, data());
    }

    private Map<String, Object> data() {
        Snapshot current = store.current();
        Map<String, ReplicaRegistry.Reported> reports = replicas.reports();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generatedAt", clock.instant());
        out.put("desiredVersion", current.version());
        out.put("instanceName", controller.instanceName());
        out.put("ready", controller.synced());
        out.put("routes", routes(current, figuresByAddress(reports)));
        out.put("replicas", replicas.evaluate(current.version(), controller.desiredSince()).stream().map(view -> {
            ReplicaRegistry.Reported reported = reports.get(view.id());
            return reported == null ? new ReplicaRow(view, null, null)
                    : new ReplicaRow(view, reported.at(), reported.error());
        }).toList());
        out.put("sources", controller.sources());
        out.put("certificates", controller.certificates());
        out.put("acme", controller.acme());
        out.put("gitopsProblems", controller.gitOpsProblemLines());
        return out;
    }

    private static Map<String, List<ReplicaFigures>> figuresByAddress(Map<String, ReplicaRegistry.Reported> reports) {
        Map<String, List<ReplicaFigures>> byAddress = new HashMap<>();
        reports.forEach((replica, reported) -> {
            for (EndpointReport e : reported.report().endpoints()) {
                byAddress.computeIfAbsent(e.address(), a -> new ArrayList<>()).add(new ReplicaFigures(replica,
                        e.inFlight(), e.latencyMs(), e.ejections(), e.ejected(), e.healthy()));
            }
        });
        return byAddress;
    }

    private List<Map<String, Object>> routes(Snapshot current, Map<String, List<ReplicaFigures>> figures) {
        Map<String, Route> resources = current.routes().stream()
                .collect(Collectors.toMap(Route::name, Function.identity(), (a, b) -> a));
        Map<String, Endpoints> endpoints = EndpointAddresses.byRoute(current);
        List<RouteStatus> statuses = AcmeConditions.routes(controller);
        List<Map<String, Object>> out = new ArrayList<>(statuses.size());
        for (RouteStatus status : statuses) {
            Route route = resources.get(status.name());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", status.name());
            row.put("source", status.source());
            row.put("origin", status.origin());
            row.put("accepted", status.accepted());
            row.put("conditions", status.conditions());
            row.put("mode", route == null ? null : route.spec().mode());
            row.put("hosts", route == null ? List.of() : distinct(route, Rule::hosts));
            row.put("paths", route == null ? List.of() : distinct(route, Rule::paths));
            row.put("policy", route == null ? null : route.spec().loadBalancing().policy());
            row.put("service", route == null ? null : route.spec().service());
            row.put("endpoints", route == null ? List.of() : endpointRows(route, endpoints.get(route.name()), figures));
            row.put("resource", route);
            out.add(row);
        }
        return out;
    }

    private static List<String> distinct(Route route, Function<Rule, List<String>> field) {
        Set<String> values = new LinkedHashSet<>();
        route.spec().rules().forEach(rule -> values.addAll(field.apply(rule)));
        return List.copyOf(values);
    }

    private static List<EndpointRow> endpointRows(Route route, Endpoints endpoints,
                                                  Map<String, List<ReplicaFigures>> figures) {
        Set<String> addresses = new LinkedHashSet<>();
        route.spec().rules().forEach(rule -> addresses.addAll(EndpointAddresses.forRule(endpoints, rule)));
        return addresses.stream().map(a -> new EndpointRow(a, figures.getOrDefault(a, List.of()))).toList();
    }
}
