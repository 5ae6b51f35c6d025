package dev.ballast.dist.demo;

import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.TaskSpec;
import java.util.List;
import java.util.Map;

/**
 * A whoami service as the demo, the end-to-end tests and the benchmarks create it with docker-java: listening on
 * {@value #PORT} (the emulator runs every task as a real server on this machine, and port 80 needs root), on one
 * overlay network.
 */
public final class WhoamiService {

    public static final int PORT = 8080;

    private WhoamiService() {
    }

    /** The spec of a replicated whoami service with {@code labels}, attached to {@code network}. */
    public static ServiceSpec spec(String name, int replicas, String network, Map<String, String> labels) {
        return new ServiceSpec().withName(name).withLabels(labels)
                .withTaskTemplate(new TaskSpec()
                        .withContainerSpec(new ContainerSpec().withImage("traefik/whoami:latest")
                                .withArgs(List.of("--port", String.valueOf(PORT))))
                        .withNetworks(List.of(new NetworkAttachmentConfig().withTarget(network))))
                .withMode(replicated(replicas));
    }

    /** Replicated mode with {@code replicas} tasks (what {@code docker service scale} sets). */
    public static ServiceModeConfig replicated(int replicas) {
        return new ServiceModeConfig().withReplicated(new ServiceReplicatedModeOptions().withReplicas(replicas));
    }
}
