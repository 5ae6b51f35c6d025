package dev.ballast.dist.demo;

import dev.ballast.config.ConfigException;
import dev.ballast.config.ConfigResolver;
import dev.ballast.config.ControllerConfig;
import dev.ballast.config.HostPort;
import dev.ballast.controller.Controller;
import dev.ballast.sim.model.Workloads;
import dev.ballast.sim.runtime.TaskLog;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/** The task of {@code proxy_controller}: the controller, reading the emulator over TCP as it would a swarm manager. */
final class ControllerTask implements InProcessTasks.Starter {

    private final Demo.Addresses addresses;

    ControllerTask(Demo.Addresses addresses) {
        this.addresses = addresses;
    }

    @Override
    public InProcessTasks.Started start(Workloads.TaskLaunch launch, TaskLog log) throws InProcessTasks.StartException {
        String what = "controller on " + addresses.controllerUrl();
        try {
            ControllerConfig config = ControllerConfig.from(ConfigResolver.resolve("controller",
                    ControllerConfig.SETTINGS, Optional.empty(), Map.of(), Map.of(
                            "dockerHost", addresses.engineUrl(),
                            "listen", addresses.host() + ":" + addresses.controller(),
                            "network", ProxyStack.NETWORK)));
            Controller controller = Controller.start(config, Clock.systemUTC());
            return new InProcessTasks.Started(controller, "ballast controller: API on http://"
                    + HostPort.of(controller.address()) + ", Docker API at " + config.dockerHost(),
                    "http://" + HostPort.of(controller.address()));
        } catch (ConfigException e) {
            throw new InProcessTasks.StartException("cannot start the " + what + ": "
                    + String.join("; ", e.problems()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InProcessTasks.StartException("interrupted while starting the " + what, e);
        } catch (Exception e) {
            throw new InProcessTasks.StartException("cannot start the " + what + ": " + Demo.describe(e)
                    + " (is another demo, a Docker daemon or another server using that port?)", e);
        }
    }
}
