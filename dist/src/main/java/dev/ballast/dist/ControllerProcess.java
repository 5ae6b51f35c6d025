package dev.ballast.dist;

import dev.ballast.config.ControllerConfig;
import dev.ballast.config.HostPort;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.controller.Controller;
import dev.ballast.observability.telemetry.Telemetry;
import java.time.Clock;
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
        } catch (Telemetry.SettingsException e) {
            cli.getErr().println("ballast controller: " + e.getMessage());
            return Main.USAGE;
        } catch (Exception e) {
            cli.getErr().println("ballast controller: cannot start: " + e.getMessage());
            return 1;
        }
        cli.getOut().println("ballast controller: API on http://" + HostPort.of(controller.address())
                + ", Docker API at " + config.dockerHost()
                + config.routesDir().map(d -> ", routes from " + d).orElse(""));
        cli.getOut().flush();
        UntilStopped.await("ballast-controller", controller);
        return 0;
    }
}
