package dev.ballast.dist.demo;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ServiceSpec;
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
        labels.put("com.df.port", String.valueOf(WhoamiService.PORT));
        return labels;
    }

    /** Creates the service through the Engine API; returns its ID. */
    public static String deploy(DockerClient docker, String network, int replicas) {
        ServiceSpec spec = WhoamiService.spec(SERVICE, replicas, network, labels());
        // what docker stack deploy adds: the namespace on the containers, the service's short name as an alias
        spec.getTaskTemplate().getContainerSpec().withLabels(Map.of("com.docker.stack.namespace", "http"));
        spec.getTaskTemplate().getNetworks().get(0).withAliases(List.of("http"));
        return docker.createServiceCmd(spec).exec().getId();
    }
}
