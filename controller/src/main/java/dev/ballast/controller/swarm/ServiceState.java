package dev.ballast.controller.swarm;

import java.util.List;

/**
 * A service as last listed and its running tasks (sorted by task ID): everything the desired state needs of one
 * service. Immutable; the unit in which the builder sees change.
 */
public record ServiceState(SwarmService service, List<SwarmTask> tasks) {

    public ServiceState {
        tasks = List.copyOf(tasks);
    }

    public String name() {
        return service.name();
    }
}
