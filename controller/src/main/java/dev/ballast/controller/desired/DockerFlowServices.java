package dev.ballast.controller.desired;

import dev.ballast.controller.swarm.ServiceState;
import dev.ballast.controller.swarm.SwarmService;
import dev.ballast.controller.swarm.SwarmState;
import dev.ballast.schema.labels.DockerFlowLabels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Opted-in services as flat string maps, as Docker Flow Swarm Listener's {@code get-services} returns them. */
public final class DockerFlowServices {

    private DockerFlowServices() {
    }

    public static List<Map<String, String>> of(SwarmState swarm, String notifyKey) {
        List<Map<String, String>> out = new ArrayList<>();
        for (ServiceState state : swarm.services()) {
            SwarmService s = state.service();
            if (!"true".equalsIgnoreCase(s.labels().getOrDefault(notifyKey, "").trim())) {
                continue;
            }
            Map<String, String> flat = new TreeMap<>();
            s.labels().forEach((k, v) -> {
                if (k.startsWith(DockerFlowLabels.PREFIX) && !k.equals(notifyKey)) {
                    flat.put(k.substring(DockerFlowLabels.PREFIX.length()), v);
                }
            });
            flat.put("serviceName", s.name());
            flat.putIfAbsent("distribute", "true");
            if (s.replicas() != null) {
                flat.put("replicas", String.valueOf(s.replicas()));
            }
            out.add(flat);
        }
        return out;
    }
}
