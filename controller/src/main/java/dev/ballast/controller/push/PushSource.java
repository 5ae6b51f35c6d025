package dev.ballast.controller.push;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Services registered through the Docker Flow push API ({@code /v1/docker-flow-proxy/reconfigure}), for existing
 * swarm-listener setups: their parameters by service name, as last sent.
 */
public final class PushSource {

    private final Map<String, Map<String, String>> services = new ConcurrentHashMap<>();

    public void put(String serviceName, Map<String, String> parameters) {
        services.put(serviceName, Map.copyOf(parameters));
    }

    /** Whether the service was known. */
    public boolean remove(String serviceName) {
        return services.remove(serviceName) != null;
    }

    /** Parameters by service name, sorted by name. */
    public Map<String, Map<String, String>> state() {
        return new TreeMap<>(services);
    }
}
