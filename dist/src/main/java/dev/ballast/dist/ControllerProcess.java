package dev.ballast.dist;

import dev.ballast.config.ConfigException;
import dev.ballast.config.ControllerConfig;
import dev.ballast.config.DockerFlowVariables;
import dev.ballast.config.HostPort;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.controller.Controller;
import dev.ballast.observability.telemetry.Telemetry;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** {@code ballast controller}: runs until interrupted. */
final class ControllerProcess {

    private ControllerProcess() {
    }

    /**
     * Docker Flow variables that are set but that the controller does not honour: one line each, naming it and why
     * (never its value), once at start.
     */
    static void warnAboutDockerFlowVariables(List<DockerFlowVariables.Unhonoured> unhonoured) {
        Logger log = LoggerFactory.getLogger("ballast.controller");
        unhonoured.forEach(u -> log.warn(u.message()));
    }

    static int run(ResolvedConfig resolved, CommandLine cli) throws Exception {
        ControllerConfig config;
        try {
            config = ControllerConfig.from(resolved);
        } catch (ConfigException e) {
            e.problems().forEach(p -> cli.getErr().println("ballast controller: " + p));
            return Main.USAGE;
        }
        warnAboutDockerFlowVariables(DockerFlowVariables.forController(System.getenv()));
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
