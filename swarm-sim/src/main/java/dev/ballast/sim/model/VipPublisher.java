package dev.ballast.sim.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Points each service's virtual IPs at the addresses of its running tasks, as the engine's IPVS load balancer does.
 * The workloads are told only when a service's bindings changed: publishing is asked for on every tick and every task
 * change, and rebuilding forwarders each time would drop connections.
 */
final class VipPublisher {

    private final ClusterStore store;
    private final Workloads workloads;
    private final Map<String, List<Workloads.VipBinding>> published = new HashMap<>();

    VipPublisher(ClusterStore store, Workloads workloads) {
        this.store = store;
        this.workloads = workloads;
    }

    void publish(ServiceRecord service) {
        List<Workloads.VipBinding> bindings = new ArrayList<>();
        List<TaskRecord> running = store.tasksOf(service.id).stream()
                .filter(t -> t.isActive() && t.isRunning()).toList();
        // Every task of a service runs the same image, so the first port known is the service's.
        int port = running.stream().mapToInt(t -> t.port).filter(p -> p > 0).findFirst().orElse(0);
        if (port > 0) {
            service.vips.forEach((networkId, vip) -> bindings.add(new Workloads.VipBinding(vip, port,
                    running.stream().map(t -> t.addresses.get(networkId)).filter(Objects::nonNull).sorted().toList())));
        }
        if (!bindings.equals(published.get(service.id))) {
            published.put(service.id, bindings);
            workloads.virtualIps(service.id, bindings);
        }
    }

    /** The service is gone: its virtual IPs stop forwarding. */
    void withdraw(String serviceId) {
        workloads.virtualIps(serviceId, List.of());
        published.remove(serviceId);
    }
}
