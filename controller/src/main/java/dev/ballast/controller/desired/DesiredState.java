package dev.ballast.controller.desired;

import dev.ballast.schema.Snapshot;
import java.util.List;

/**
 * The outcome of one pass: the snapshot to publish and what became of every route (in no particular order; the status
 * API sorts them when asked, not every pass).
 *
 * @param otherInstanceServices opted-in services left to another proxy instance ({@code com.df.proxyInstanceName})
 */
public record DesiredState(Snapshot snapshot, List<RouteStatus> routes, int otherInstanceServices) {

    public static final DesiredState EMPTY = new DesiredState(Snapshot.empty(), List.of(), 0);

    public DesiredState {
        routes = List.copyOf(routes);
    }

    /** A desired state that leaves no service to another instance. */
    public DesiredState(Snapshot snapshot, List<RouteStatus> routes) {
        this(snapshot, routes, 0);
    }

    /** The statuses sorted by route name, the accepted one of each name first. */
    public List<RouteStatus> sortedRoutes() {
        return routes.stream().sorted(java.util.Comparator.comparing(RouteStatus::name)
                .thenComparing(r -> !r.accepted())).toList();
    }
}
