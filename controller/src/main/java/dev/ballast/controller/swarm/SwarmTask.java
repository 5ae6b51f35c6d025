package dev.ballast.controller.swarm;

import java.util.Map;

/**
 * A running task of a service and its addresses.
 *
 * @param addresses network ID → address (without prefix length)
 */
public record SwarmTask(String id, String serviceId, Map<String, String> addresses) {

    public SwarmTask {
        addresses = Map.copyOf(addresses);
    }
}
