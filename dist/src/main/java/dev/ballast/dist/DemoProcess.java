package dev.ballast.dist;

import dev.ballast.config.DemoConfig;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.dist.demo.Demo;
import dev.ballast.dist.demo.ProxyStack;
import dev.ballast.dist.demo.TutorialStack;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * {@code ballast demo}: everything on one machine until Ctrl-C; prints what runs where and what to try, then a line
 * for every proxy replica started or stopped (by {@code docker service scale proxy_proxy=N}, say).
 */
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
        PrintWriter out = cli.getOut();
        print(out, demo, !config.empty());
        demo.announceTo(line -> {
            synchronized (out) {
                out.println("ballast demo: " + line);
                out.flush();
            }
        });
        UntilStopped.await("ballast-demo", demo);
        return 0;
    }

    private static void tryThis(PrintWriter out, String command, String comment) {
        out.println(comment.isEmpty() ? "  " + command : String.format("  %-66s # %s", command, comment));
    }

    private static void print(PrintWriter out, Demo demo, boolean stack) {
        Demo.Addresses a = demo.addresses();
        out.println("ballast demo: running on one machine (Ctrl-C stops everything)");
        out.printf("  %-26s %s  (2 nodes; networks in 127.%d.0.0/16, overlay %s)%n", "Docker Engine emulator",
                a.engineUrl(), demo.sim().addressBlock(), Demo.NETWORK);
        out.printf("  %-26s %s (1 task), %s (%d tasks): image %s%n", "stack " + ProxyStack.NAMESPACE,
                ProxyStack.CONTROLLER, ProxyStack.PROXY, ProxyStack.REPLICAS, ProxyStack.IMAGE);
        out.printf("  %-26s %s  (the dashboard; /v1/status, /v1/docker-flow-proxy/config)%n", "controller",
                a.controllerUrl());
        for (int k = 0; k < ProxyStack.REPLICAS; k++) {
            out.printf("  %-26s %s  admin %s  (%s.%d)%n", "dataplane replica", a.trafficUrl(k), a.adminUrl(k),
                    ProxyStack.PROXY, k + 1);
        }
        if (stack) {
            out.printf("  %-26s service %s: 3 x whoami, %s rewritten to /renamed/%n", "stack http",
                    TutorialStack.SERVICE, TutorialStack.PATH);
        }
        String proxy = a.trafficUrl(0);
        out.println();
        out.println("Try (README.md follows the whole tutorial):");
        tryThis(out, "export DOCKER_HOST=" + a.engineUrl(), "");
        tryThis(out, "docker stack ps " + ProxyStack.NAMESPACE, "2 proxy replicas and the controller");
        if (!stack) {
            tryThis(out, "docker stack deploy -c stacks/http.yml http", "");
        }
        tryThis(out, "curl " + proxy + TutorialStack.PATH + "hello", "whoami: GET /renamed/hello");
        tryThis(out, "docker service scale " + ProxyStack.PROXY + "=3", "a third replica on "
                + a.trafficUrl(2).replace("http://", "") + ", admin :" + (a.firstAdmin() + 2));
        tryThis(out, "curl " + a.controllerUrl() + "/v1/status", "the replicas, the routes and their state");
        tryThis(out, "docker stack deploy -c stacks/docker-compose-flow-proxy.yml cloud", "the voting app");
        tryThis(out, "curl " + proxy + "/vote/", "a stand-in for the vote image: GET /");
        tryThis(out, "docker service logs " + ProxyStack.PROXY, "every request, per replica");
        out.flush();
    }
}
