package dev.ballast.dist.demo;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.TaskSpec;
import java.util.List;
import java.util.Map;

/**
 * The demo's own parts as the Docker Flow Proxy tutorial's {@code proxy} stack, created in the emulator the way
 * {@code docker stack deploy -c stacks/proxy.yml proxy} creates a stack: the overlay network {@code proxy_public},
 * {@value #CONTROLLER} (one task, on a manager, in the place of the swarm listener) and {@value #PROXY} (two tasks,
 * the dataplane replicas), all with the stack's namespace label. Their tasks are run by the demo itself
 * ({@link InProcessTasks}), so {@code docker stack ps proxy} lists the real controller and replicas and
 * {@code docker service scale proxy_proxy=3} starts a third replica.
 */
public final class ProxyStack {

    public static final String NAMESPACE = "proxy";
    public static final String NETWORK = "proxy_public";
    public static final String CONTROLLER = "proxy_controller";
    public static final String PROXY = "proxy_proxy";
    /** What {@code docker build -t ballast .} tags, and {@code stacks/proxy.yml} runs. */
    public static final String IMAGE = "ballast:latest";
    public static final int REPLICAS = 2;

    private ProxyStack() {
    }

    /**
     * Creates the network and the controller's service; the emulator then starts its task through the demo. The
     * replicas come next ({@link #deployProxy}), once there is a controller to pull from.
     */
    static void deployController(DockerClient docker, Demo.Addresses addresses) {
        docker.createNetworkCmd().withName(NETWORK).withDriver("overlay").withAttachable(true)
                .withLabels(Map.of("com.docker.stack.namespace", NAMESPACE)).exec();
        ServiceSpec controller = spec(CONTROLLER, 1, List.of("controller", "--docker-host", addresses.engineUrl(),
                "--listen", addresses.host() + ":" + addresses.controller(), "--network", NETWORK));
        controller.getTaskTemplate().withPlacement(new ServicePlacement()
                .withConstraints(List.of("node.role == manager")));
        docker.createServiceCmd(controller).exec();
    }

    /** Creates the replicas' service. Each replica's ports follow from its slot, so its arguments leave them out. */
    static void deployProxy(DockerClient docker, Demo.Addresses addresses) {
        docker.createServiceCmd(spec(PROXY, REPLICAS, List.of("dataplane", "--controller",
                addresses.controllerUrl(), "--access-log"))).exec();
    }

    private static ServiceSpec spec(String name, int replicas, List<String> args) {
        return new ServiceSpec().withName(name)
                .withLabels(Map.of("com.docker.stack.namespace", NAMESPACE, "com.docker.stack.image", IMAGE))
                .withTaskTemplate(taskTemplate(name, args))
                .withMode(new ServiceModeConfig().withReplicated(new ServiceReplicatedModeOptions()
                        .withReplicas(replicas)));
    }

    private static TaskSpec taskTemplate(String name, List<String> args) {
        String alias = name.substring(NAMESPACE.length() + 1);
        return new TaskSpec()
                .withContainerSpec(new ContainerSpec().withImage(IMAGE).withArgs(args)
                        .withLabels(Map.of("com.docker.stack.namespace", NAMESPACE)))
                .withNetworks(List.of(new NetworkAttachmentConfig().withTarget(NETWORK).withAliases(List.of(alias))));
    }
}
