package dev.ballast.dist.demo;

import com.github.dockerjava.api.DockerClient;
import dev.ballast.config.ConfigException;
import dev.ballast.config.ConfigResolver;
import dev.ballast.config.ControllerConfig;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.config.Setting;
import dev.ballast.controller.Controller;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.dataplane.Replica;
import dev.ballast.sim.SwarmSim;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Emulator, controller and dataplane replicas in one process, wired as they would be on a swarm: the controller
 * reaches the emulator over TCP with docker-java, the replicas pull from the controller over HTTP. Each part runs
 * with its production defaults; only the addresses are the demo's.
 */
public final class Demo implements AutoCloseable {

    /** The proxy stack's overlay network, as {@code docker stack deploy} names the tutorial's {@code public}. */
    public static final String NETWORK = "proxy_public";

    /** A replica's traffic and admin ports. */
    public record ReplicaPorts(int traffic, int admin) {
    }

    /** Where everything listens. */
    public record Addresses(String host, int engine, int controller, List<ReplicaPorts> replicas) {

        /** The demo's documented addresses. */
        public static Addresses standard() {
            return new Addresses("127.0.0.1", 2375, 8080, List.of(new ReplicaPorts(8000, 8100),
                    new ReplicaPorts(8001, 8101)));
        }

        public String engineUrl() {
            return "tcp://" + host + ":" + engine;
        }

        public String controllerUrl() {
            return "http://" + host + ":" + controller;
        }
    }

    private final List<AutoCloseable> parts = new ArrayList<>(); // in start order; closed in reverse
    private final List<Replica> replicas = new ArrayList<>();
    private final Addresses addresses;

    private Demo(Addresses addresses) {
        this.addresses = addresses;
    }

    /**
     * Starts everything; on any failure, stops what was started and throws with a message naming the part and the
     * address.
     */
    public static Demo start(Addresses addresses, boolean deployStack) throws DemoException {
        Demo demo = new Demo(addresses);
        try {
            demo.startParts(deployStack);
            return demo;
        } catch (DemoException e) {
            demo.close();
            throw e;
        }
    }

    private void startParts(boolean deployStack) throws DemoException {
        SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults().withNodes(2));
        parts.add(sim);
        step("Docker Engine emulator on " + addresses.host() + ":" + addresses.engine(),
                () -> sim.listen(addresses.host() + ":" + addresses.engine()));
        sim.createNetwork(NETWORK, true);

        ControllerConfig controllerConfig = ControllerConfig.from(resolve("controller", ControllerConfig.SETTINGS,
                Map.of("dockerHost", addresses.engineUrl(), "listen", addresses.host() + ":" + addresses.controller(),
                        "network", NETWORK)));
        parts.add(step("controller on " + addresses.controllerUrl(),
                () -> Controller.start(controllerConfig, Clock.systemUTC())));

        for (int i = 0; i < addresses.replicas().size(); i++) {
            ReplicaPorts ports = addresses.replicas().get(i);
            DataplaneConfig config = dataplaneConfig("demo-" + (i + 1), ports);
            Replica replica = step("dataplane " + config.replicaId() + " on " + addresses.host() + ":"
                    + ports.traffic() + " and " + ports.admin(), () -> Replica.start(config));
            parts.add(replica);
            replicas.add(replica);
        }

        if (deployStack) {
            try (DockerClient docker = DockerClients.connect(addresses.engineUrl(), Duration.ofSeconds(10))) {
                TutorialStack.deploy(docker, NETWORK, 3);
            } catch (java.io.IOException | RuntimeException e) {
                throw new DemoException("cannot deploy the http stack: " + e.getMessage(), e);
            }
        }
    }

    private DataplaneConfig dataplaneConfig(String replicaId, ReplicaPorts ports) throws DemoException {
        try {
            return DataplaneConfig.from(resolve("dataplane", DataplaneConfig.SETTINGS, Map.of(
                    "controllers", addresses.controllerUrl(),
                    "listen", addresses.host() + ":" + ports.traffic(),
                    "adminListen", addresses.host() + ":" + ports.admin())), replicaId);
        } catch (ConfigException e) {
            throw new DemoException("dataplane " + replicaId + ": " + String.join("; ", e.problems()), e);
        }
    }

    /** A part's start, as a function that may fail in the ways starting a server fails. */
    @FunctionalInterface
    private interface Start<T> {
        T run() throws Exception;
    }

    private static <T> T step(String what, Start<T> start) throws DemoException {
        try {
            return start.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoException("interrupted while starting the " + what, e);
        } catch (Exception e) {
            throw new DemoException("cannot start the " + what + ": " + describe(e)
                    + " (is another demo, a Docker daemon or another server using that port?)", e);
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static ResolvedConfig resolve(String section, List<Setting<?>> settings, Map<String, String> flags)
            throws DemoException {
        try {
            return ConfigResolver.resolve(section, settings, Optional.empty(), Map.of(), flags);
        } catch (ConfigException e) {
            throw new DemoException(section + ": " + String.join("; ", e.problems()), e);
        }
    }

    public Addresses addresses() {
        return addresses;
    }

    public List<Replica> replicas() {
        return List.copyOf(replicas);
    }

    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                // stopping: the other parts must still be closed
            }
        }
        parts.clear();
    }

    /** The demo could not start; the message names the part and the address. */
    public static final class DemoException extends Exception {
        DemoException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
