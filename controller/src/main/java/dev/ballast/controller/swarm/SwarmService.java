package dev.ballast.controller.swarm;

import java.util.List;
import java.util.Map;

/**
 * What the controller needs of a Swarm service.
 *
 * @param networkIds the networks of its task template, in order
 * @param virtualIps network ID → virtual IP (without prefix length)
 * @param replicas desired replicas, or {@code null} for a global service
 * @param dnsrr whether the service has no virtual IP ({@code dnsrr} endpoint mode)
 */
public record SwarmService(String id, String name, Map<String, String> labels, List<String> networkIds,
                           Map<String, String> virtualIps, Long replicas, boolean dnsrr) {

    public SwarmService {
        labels = Map.copyOf(labels);
        networkIds = List.copyOf(networkIds);
        virtualIps = Map.copyOf(virtualIps);
    }
}
