package dev.ballast.sim.runtime;

import dev.ballast.sim.model.Workloads;
import io.netty.channel.EventLoopGroup;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The services' virtual IPs: a {@link VipForwarder} per VIP and port, kept in line with the cluster's bindings. */
final class VirtualIps {

    private final EventLoopGroup group;
    /** service ID → "vip:port" → forwarder. */
    private final Map<String, Map<String, VipForwarder>> vips = new HashMap<>();
    /**
     * Set by {@link #closeAll}: a task that turns running as the emulator closes still publishes its service's
     * bindings, and a forwarder opened then would outlive the event loop group, listening unserved.
     */
    private boolean closed;

    VirtualIps(EventLoopGroup group) {
        this.group = group;
    }

    synchronized void update(String serviceId, List<Workloads.VipBinding> bindings) {
        if (closed) {
            return;
        }
        Map<String, VipForwarder> current = vips.computeIfAbsent(serviceId, k -> new HashMap<>());
        Set<String> wanted = new HashSet<>();
        for (Workloads.VipBinding binding : bindings) {
            String key = binding.vip() + ":" + binding.port();
            wanted.add(key);
            VipForwarder forwarder = current.get(key);
            if (forwarder == null) {
                current.put(key, VipForwarder.open(group, binding.vip(), binding.port(), binding.backends()));
            } else {
                forwarder.backends(binding.backends());
            }
        }
        current.entrySet().removeIf(e -> {
            if (!wanted.contains(e.getKey())) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        if (current.isEmpty()) {
            vips.remove(serviceId);
        }
    }

    synchronized void closeAll() {
        closed = true;
        vips.values().forEach(m -> m.values().forEach(VipForwarder::close));
        vips.clear();
    }
}
