package dev.ballast.sim.model;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The swarm's IPAM, as swarmkit's network allocator does it: an {@link AddressPool} per overlay network, a service's
 * endpoint (its virtual IPs and published ports) and a task's addresses on the networks it attaches to. Every address
 * handed out goes back to its pool when its owner goes, so long runs do not exhaust a /24.
 */
final class NetworkAllocator {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Where published ports are picked from when the spec leaves them to the swarm, like the engine's 30000+. */
    private static final int FIRST_PUBLISHED_PORT = 30000;

    private final ClusterStore store;
    private int networkCount;

    NetworkAllocator(ClusterStore store) {
        this.store = store;
    }

    /**
     * The pool of the next overlay network in the emulator's address block; network numbers are never reused, so
     * neither are subnets.
     */
    AddressPool newPool() {
        if (networkCount >= AddressPool.NETWORKS_PER_BLOCK) {
            throw new ClusterException(ClusterException.Kind.FORBIDDEN, "could not find an available, non-overlapping "
                    + "IPv4 address pool among the defaults to assign to the network (the emulator's block "
                    + store.addressPool() + " holds " + AddressPool.NETWORKS_PER_BLOCK + " networks)");
        }
        return new AddressPool(store.addressBlock(), networkCount++);
    }

    /** Virtual IPs on each attached network (none in dnsrr mode), plus ingress when ports are published. */
    void allocateEndpoint(ServiceRecord service) {
        JsonNode endpointSpec = service.spec.path("EndpointSpec");
        boolean vip = !endpointSpec.path("Mode").asString("vip").equals("dnsrr");
        ArrayNode ports = JSON.arrayNode();
        int nextPublished = FIRST_PUBLISHED_PORT + store.services().size();
        for (JsonNode p : endpointSpec.path("Ports")) {
            ObjectNode port = ((ObjectNode) p).deepCopy();
            if (!port.has("Protocol")) {
                port.put("Protocol", "tcp");
            }
            if (!port.has("PublishMode")) {
                port.put("PublishMode", "ingress");
            }
            if (port.path("PublishedPort").asInt(0) == 0) {
                port.put("PublishedPort", nextPublished++);
            }
            ports.add(port);
        }
        service.endpointPorts = ports.isEmpty() ? null : JSON.objectNode().set("Ports", ports);
        if (!vip) {
            return;
        }
        if (!ports.isEmpty()) {
            NetworkRecord ingress = store.networks().stream().filter(n -> n.ingress).findFirst().orElseThrow();
            service.vips.put(ingress.id, ingress.pool.allocate());
        }
        for (JsonNode attachment : service.spec.path("TaskTemplate").path("Networks")) {
            NetworkRecord network = store.networkById(attachment.path("Target").asString());
            service.vips.putIfAbsent(network.id, network.pool.allocate());
        }
    }

    void releaseEndpoint(ServiceRecord service) {
        service.vips.forEach(this::release);
        service.vips.clear();
    }

    /** An address for the task on each network its spec attaches it to, in attachment order. */
    List<String> attach(TaskRecord task) {
        List<String> addresses = new ArrayList<>();
        for (JsonNode attachment : task.spec.path("Networks")) {
            NetworkRecord network = store.networkById(attachment.path("Target").asString());
            if (network != null) {
                String address = network.pool.allocate();
                task.addresses.put(network.id, address);
                addresses.add(address);
            }
        }
        return addresses;
    }

    /**
     * Gives the task's addresses back. They stay in the record, since inspect shows a finished task's attachments.
     */
    void detach(TaskRecord task) {
        task.addresses.forEach(this::release);
    }

    private void release(String networkId, String address) {
        NetworkRecord network = store.networkById(networkId);
        if (network != null) {
            network.pool.release(address);
        }
    }
}
