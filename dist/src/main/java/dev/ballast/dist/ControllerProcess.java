package dev.ballast.dist;

import dev.ballast.config.ControllerConfig;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.controller.Controller;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/** {@code ballast controller}: runs until interrupted. */
final class ControllerProcess {

    private ControllerProcess() {
    }

    static int run(ResolvedConfig resolved, CommandLine cli) throws Exception {
        ControllerConfig config = ControllerConfig.from(resolved);
        Controller controller;
        try {
            controller = Controller.start(config, Clock.systemUTC());
        } catch (Exception e) {
            cli.getErr().println("ballast controller: cannot start: " + e.getMessage());
            return 1;
        }
        cli.getOut().println("ballast controller: API on http://" + controller.address().getHostString() + ":"
                + controller.address().getPort() + ", Docker API at " + config.dockerHost()
                + config.routesDir().map(d -> ", routes from " + d).orElse(""));
        cli.getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                controller.close();
            } catch (Exception e) {
                // shutting down anyway
            }
            stopped.countDown();
        }, "ballast-controller-shutdown"));
        stopped.await();
        return 0;
    }
}
