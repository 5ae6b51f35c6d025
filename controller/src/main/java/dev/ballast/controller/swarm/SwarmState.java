package dev.ballast.controller.swarm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Swarm as last listed successfully: each service with its running tasks, sorted by service name, and network
 * names. Immutable.
 *
 * <p>A refresh lists everything again, but usually little has changed. {@link #reusing} keeps the previous
 * {@link ServiceState} instance of every service that is equal to what was listed, so what reads the state can tell
 * what changed by identity, with one pointer comparison per service.
 *
 * @param services sorted by name (service names are unique in a swarm)
 * @param networkNames network ID → name
 */
public record SwarmState(List<ServiceState> services, Map<String, String> networkNames) {

    public static final SwarmState EMPTY = new SwarmState(List.of(), Map.of());

    public SwarmState {
        services = List.copyOf(services);
        networkNames = Map.copyOf(networkNames);
        for (int i = 1; i < services.size(); i++) {
            if (services.get(i - 1).name().compareTo(services.get(i).name()) >= 0) {
                throw new IllegalArgumentException("services must be sorted by unique name: " + services.get(i).name());
            }
        }
    }

    /** Services and the running tasks of every service (tasks of services not listed are dropped). */
    public static SwarmState of(List<SwarmService> services, List<SwarmTask> tasks, Map<String, String> networkNames) {
        Map<String, List<SwarmTask>> byService = new HashMap<>(services.size() * 2);
        tasks.forEach(t -> byService.computeIfAbsent(t.serviceId(), k -> new ArrayList<>(2)).add(t));
        List<ServiceState> states = new ArrayList<>(services.size());
        for (SwarmService s : services) {
            List<SwarmTask> own = byService.getOrDefault(s.id(), List.of());
            if (own.size() > 1) {
                own.sort(Comparator.comparing(SwarmTask::id));
            }
            states.add(new ServiceState(s, own));
        }
        states.sort(Comparator.comparing(ServiceState::name));
        return new SwarmState(states, networkNames);
    }

    /** The same services with {@code tasks} as their running tasks. */
    public SwarmState withTasks(List<SwarmTask> tasks) {
        return of(services.stream().map(ServiceState::service).toList(), tasks, networkNames).reusing(this);
    }

    /** This state, holding {@code previous}'s instances wherever they are equal to this one's. */
    public SwarmState reusing(SwarmState previous) {
        List<ServiceState> old = previous.services;
        List<ServiceState> out = new ArrayList<>(services.size());
        int j = 0;
        for (ServiceState s : services) {
            while (j < old.size() && old.get(j).name().compareTo(s.name()) < 0) {
                j++;
            }
            out.add(j < old.size() && old.get(j).equals(s) ? old.get(j) : s);
        }
        return new SwarmState(out, previous.networkNames.equals(networkNames) ? previous.networkNames : networkNames);
    }
}
