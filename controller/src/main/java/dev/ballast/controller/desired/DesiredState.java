package dev.ballast.controller.desired;

import dev.ballast.schema.Snapshot;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one pass: the snapshot to publish, what became of every route, and the opted-in services in the
 * flat form Docker Flow's {@code get-services} returns.
 */
public record DesiredState(Snapshot snapshot, List<RouteStatus> routes, List<Map<String, String>> dockerFlowServices) {

    public static final DesiredState EMPTY = new DesiredState(Snapshot.empty(), List.of(), List.of());

    public DesiredState {
        routes = List.copyOf(routes);
        dockerFlowServices = List.copyOf(dockerFlowServices);
    }
}
