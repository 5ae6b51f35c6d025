package dev.ballast.controller.swarm;

import java.util.List;
import java.util.Map;

/**
 * The Swarm as last listed successfully: services, their running tasks, network names. Immutable.
 *
 * @param networkNames network ID → name
 */
public record SwarmState(List<SwarmService> services, List<SwarmTask> tasks, Map<String, String> networkNames) {

    public static final SwarmState EMPTY = new SwarmState(List.of(), List.of(), Map.of());

    public SwarmState {
        services = List.copyOf(services);
        tasks = List.copyOf(tasks);
        networkNames = Map.copyOf(networkNames);
    }

    public SwarmState withTasks(List<SwarmTask> newTasks) {
        return new SwarmState(services, newTasks, networkNames);
    }
}
