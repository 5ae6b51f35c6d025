package dev.ballast.controller.desired;

import java.util.List;

/**
 * What became of one route.
 *
 * @param source {@code gitops}, {@code swarm} or {@code push}
 * @param origin where it was defined: {@code file:line}, or the Swarm service or push-API service name
 * @param accepted whether it is in the desired snapshot
 */
public record RouteStatus(String name, String source, String origin, boolean accepted, List<Condition> conditions) {

    public RouteStatus {
        conditions = List.copyOf(conditions);
    }
}
