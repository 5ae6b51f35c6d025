package dev.ballast.dist.demo;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.TaskSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Docker Flow Proxy tutorial's {@code http} stack (whoami behind {@code /http/}, rewritten to {@code /renamed/}),
 * as {@code docker stack deploy -c stacks/http.yml http} creates it: service {@code http_http} with the stack's
 * namespace label, on the proxy's overlay network. Whoami listens on 8080 rather than the tutorial's 80 because the
 * emulator runs each task as a real server on this machine, and port 80 needs root.
 */
public final class TutorialStack {

    public static final String SERVICE = "http_http";
    public static final String PATH = "/http/";

    private TutorialStack() {
    }

    /** The labels, as the tutorial writes them (with the deprecated search/replace pair, which still works). */
    static Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("com.docker.stack.namespace", "http");
        labels.put("com.df.notify", "true");
        labels.put("com.df.distribute", "true");
        labels.put("com.df.servicePath", PATH);
        labels.put("com.df.reqPathSearch", PATH);
        labels.put("com.df.reqPathReplace", "/renamed/");
        labels.put("com.df.port", "8080");
        return labels;
    }

    /** Creates the service through the Engine API; returns its ID. */
    public static String deploy(DockerClient docker, String network, int replicas) {
        ServiceSpec spec = new ServiceSpec().withName(SERVICE).withLabels(labels())
                .withTaskTemplate(new TaskSpec()
                        .withContainerSpec(new ContainerSpec().withImage("traefik/whoami:latest")
                                .withArgs(List.of("--port", "8080"))
                                .withLabels(Map.of("com.docker.stack.namespace", "http")))
                        .withNetworks(List.of(new NetworkAttachmentConfig().withTarget(network)
                                .withAliases(List.of("http")))))
                .withMode(new ServiceModeConfig().withReplicated(
                        new ServiceReplicatedModeOptions().withReplicas(replicas)));
        return docker.createServiceCmd(spec).exec().getId();
    }
}
