package dev.ballast.controller.desired;

import dev.ballast.controller.swarm.ServiceState;
import dev.ballast.controller.swarm.SwarmService;
import dev.ballast.controller.swarm.SwarmTask;
import dev.ballast.schema.Endpoint;
import dev.ballast.schema.EndpointMode;
import dev.ballast.schema.Endpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The endpoints of a service a route names: its running tasks' addresses on the network shared with the proxy (the
 * configured one, else the service's first network that is not ingress), or its virtual IP there in VIP mode. A
 * service that is scaled to 0, or unknown, has none, and says why in a {@code NoEndpoints} condition.
 */
final class ServiceEndpoints {

    /** What a service's endpoints were computed from, and the result; reused while the inputs are the same. */
    record Entry(ServiceState state, EndpointMode mode, Map<String, String> networkNames, Endpoints endpoints,
                 List<Condition> conditions) {
    }

    private final Optional<String> network;

    ServiceEndpoints(Optional<String> network) {
        this.network = network;
    }

    /**
     * {@code previous} when it was computed from the same inputs; otherwise a new entry, whose {@link Endpoints} is
     * still {@code previous}'s instance when the addresses are the same (so its digest is found again by identity).
     */
    Entry resolve(String name, ServiceState state, EndpointMode mode, Map<String, String> networkNames, Entry previous) {
        if (previous != null && previous.mode() == mode && Objects.equals(previous.state(), state)
                && previous.networkNames().equals(networkNames)) {
            return previous;
        }
        List<Condition> conditions = new ArrayList<>(1);
        List<String> addresses = addresses(name, state, mode, networkNames, conditions);
        addresses.sort(null);
        Endpoints endpoints = new Endpoints(name, addresses.stream().map(Endpoint::new).toList());
        if (previous != null && previous.endpoints().equals(endpoints)) {
            endpoints = previous.endpoints();
        }
        return new Entry(state, mode, networkNames, endpoints, List.copyOf(conditions));
    }

    private List<String> addresses(String name, ServiceState state, EndpointMode mode, Map<String, String> networkNames,
                                   List<Condition> conditions) {
        List<String> addresses = new ArrayList<>();
        if (state == null) {
            conditions.add(new Condition("NoEndpoints", "no Swarm service named " + name));
            return addresses;
        }
        SwarmService service = state.service();
        Optional<String> networkId = sharedNetwork(service, networkNames);
        if (networkId.isEmpty()) {
            conditions.add(new Condition("NoEndpoints", "service " + name + " is not on "
                    + network.map(n -> "network " + n).orElse("any overlay network") + " shared with the proxy"));
        } else if (mode == EndpointMode.VIP) {
            String vip = service.virtualIps().get(networkId.get());
            if (vip == null) {
                conditions.add(new Condition("NoEndpoints", "service " + name + " has no virtual IP"
                        + (service.dnsrr() ? " (dnsrr endpoint mode)" : "")));
            } else {
                addresses.add(vip);
            }
        } else {
            for (SwarmTask t : state.tasks()) {
                String address = t.addresses().get(networkId.get());
                if (address != null) {
                    addresses.add(address);
                }
            }
            if (addresses.isEmpty()) {
                conditions.add(new Condition("NoEndpoints", "service " + name + " has no running task"));
            }
        }
        return addresses;
    }

    private Optional<String> sharedNetwork(SwarmService service, Map<String, String> networkNames) {
        for (String id : service.networkIds()) {
            String name = networkNames.get(id);
            if (network.isPresent() ? network.get().equals(name) : !"ingress".equals(name)) {
                return Optional.of(id);
            }
        }
        return Optional.empty();
    }
}
