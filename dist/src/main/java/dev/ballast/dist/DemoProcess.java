package dev.ballast.dist;

import dev.ballast.config.DemoConfig;
import dev.ballast.config.HostPort;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.dataplane.Replica;
import dev.ballast.dist.demo.Demo;
import dev.ballast.dist.demo.TutorialStack;
import java.io.PrintWriter;
import picocli.CommandLine;

/** {@code ballast demo}: everything on one machine until Ctrl-C; prints what runs where and what to try. */
final class DemoProcess {

    private DemoProcess() {
    }

    static int run(ResolvedConfig resolved, CommandLine cli) throws Exception {
        DemoConfig config = DemoConfig.from(resolved);
        Demo demo;
        try {
            demo = Demo.start(Demo.Addresses.standard(), !config.empty());
        } catch (Demo.DemoException e) {
            cli.getErr().println("ballast demo: " + e.getMessage());
            return 1;
        }
        print(cli.getOut(), demo, !config.empty());
        UntilStopped.await("ballast-demo", demo);
        return 0;
    }

    private static void print(PrintWriter out, Demo demo, boolean stack) {
        Demo.Addresses a = demo.addresses();
        out.println("ballast demo: running on one machine (Ctrl-C stops everything)");
        out.printf("  %-26s %s  (2 nodes, overlay network %s)%n", "Docker Engine emulator", a.engineUrl(),
                Demo.NETWORK);
        out.printf("  %-26s %s  (/v1/status, /v1/docker-flow-proxy/config)%n", "controller", a.controllerUrl());
        for (Replica replica : demo.replicas()) {
            out.printf("  %-26s http://%s  admin http://%s%n", "dataplane replica",
                    HostPort.of(replica.server().trafficAddress()),
                    HostPort.of(replica.server().adminAddress()));
        }
        String proxy = "http://" + HostPort.of(demo.replicas().get(0).server().trafficAddress());
        String admin = "http://" + HostPort.of(demo.replicas().get(0).server().adminAddress());
        if (stack) {
            out.printf("  %-26s service %s: 3 x whoami, %s rewritten to /renamed/%n", "stack http",
                    TutorialStack.SERVICE, TutorialStack.PATH);
        }
        out.println();
        out.println("Try:");
        out.println("  export DOCKER_HOST=" + a.engineUrl());
        if (!stack) {
            out.println("  docker network ls                      # " + Demo.NETWORK + " is there");
            out.println("  docker stack deploy -c stacks/http.yml http");
        }
        out.println("  curl " + proxy + TutorialStack.PATH + "hello     # whoami: GET /renamed/hello");
        out.println("  docker service ls");
        out.println("  docker service scale " + TutorialStack.SERVICE + "=5");
        out.println("  curl " + admin + "/v1/docker-flow-proxy/config");
        out.println("  curl " + a.controllerUrl() + "/v1/status");
        out.println("  docker service rm " + TutorialStack.SERVICE + "   # then curl again: 404");
        if (stack) {
            out.println("  docker stack deploy -c stacks/http.yml http   # back, as the tutorial deploys it");
        }
        out.flush();
    }
}
