package dev.ballast.dist.demo;

import com.github.dockerjava.api.DockerClient;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.sim.SwarmSim;
import dev.ballast.sim.runtime.AddressBlock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The Docker Flow Proxy tutorial on one machine, in one process: a Docker Engine emulator whose {@code proxy} stack
 * ({@link ProxyStack}) is the demo's own controller and dataplane replicas, wired as on a swarm: the controller reaches
 * the emulator over TCP with docker-java, the replicas pull from the controller over HTTP. The emulator's orchestrator
 * decides how many replicas run ({@code docker service scale proxy_proxy=N}); the demo runs them. Each part runs with
 * its production defaults; only the addresses are the demo's, and the emulator's networks are in the documented
 * 127.16.0.0/16.
 */
public final class Demo implements AutoCloseable {

    /** The proxy stack's overlay network, as {@code docker stack deploy} names the tutorial's {@code public}. */
    public static final String NETWORK = ProxyStack.NETWORK;
    /** How long the proxy stack's first tasks may take to start before the demo gives up. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /** A replica's traffic and admin ports. */
    public record ReplicaPorts(int traffic, int admin) {
    }

    /** Where everything listens: replica k (from 0) on {@code firstTraffic + k}, admin {@code firstAdmin + k}. */
    public record Addresses(String host, int engine, int controller, int firstTraffic, int firstAdmin) {

        /** The demo's documented addresses. */
        public static Addresses standard() {
            return new Addresses("127.0.0.1", 2375, 8080, 8000, 8100);
        }

        public String engineUrl() {
            return "tcp://" + host + ":" + engine;
        }

        public String controllerUrl() {
            return "http://" + host + ":" + controller;
        }

        public String trafficUrl(int k) {
            return "http://" + host + ":" + (firstTraffic + k);
        }

        public String adminUrl(int k) {
            return "http://" + host + ":" + (firstAdmin + k);
        }
    }

    private final Addresses addresses;
    private final List<AutoCloseable> parts = new ArrayList<>(); // in start order; closed in reverse
    private SwarmSim sim;
    private InProcessTasks controllerTasks;
    private InProcessTasks proxyTasks;
    private volatile Consumer<String> announcements = line -> { };

    private Demo(Addresses addresses) {
        this.addresses = addresses;
    }

    /**
     * Starts everything and waits for the proxy stack's tasks; on any failure, stops what was started and throws with
     * a message naming the part and the address.
     *
     * @param deployHttpStack whether to deploy the tutorial's {@code http} stack as well
     */
    public static Demo start(Addresses addresses, boolean deployHttpStack) throws DemoException {
        Demo demo = new Demo(addresses);
        try {
            demo.startParts(deployHttpStack);
            return demo;
        } catch (DemoException e) {
            demo.close();
            throw e;
        }
    }

    private void startParts(boolean deployHttpStack) throws DemoException {
        try {
            sim = SwarmSim.start(SwarmSim.Options.defaults().withNodes(2)
                    .withAddressBlock(AddressBlock.DOCUMENTED));
        } catch (IllegalStateException e) {
            throw new DemoException("cannot start the Docker Engine emulator: " + e.getMessage(), e);
        }
        parts.add(sim);
        step("Docker Engine emulator on " + addresses.host() + ":" + addresses.engine(),
                () -> sim.listen(addresses.host() + ":" + addresses.engine()));

        TaskLogRouting routing = TaskLogRouting.install();
        parts.add(routing);
        Consumer<String> announce = line -> announcements.accept(line);
        controllerTasks = new InProcessTasks(routing, new ControllerTask(addresses), announce);
        proxyTasks = new InProcessTasks(routing, new ReplicaTask(addresses), announce);
        parts.add(controllerTasks::closeAll);
        parts.add(proxyTasks::closeAll);
        sim.host(ProxyStack.CONTROLLER, controllerTasks);
        sim.host(ProxyStack.PROXY, proxyTasks);

        try (DockerClient docker = DockerClients.connect(addresses.engineUrl(), Duration.ofSeconds(10))) {
            ProxyStack.deployController(docker, addresses);
            awaitFirstStart(controllerTasks, 1);
            ProxyStack.deployProxy(docker, addresses);
            for (int slot = 1; slot <= ProxyStack.REPLICAS; slot++) {
                awaitFirstStart(proxyTasks, slot);
            }
            if (deployHttpStack) {
                TutorialStack.deploy(docker, NETWORK, 3);
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw new DemoException("cannot deploy the demo's stacks: " + describe(e), e);
        }
    }

    private static void awaitFirstStart(InProcessTasks tasks, int slot) throws DemoException {
        try {
            tasks.firstStart(slot).get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new DemoException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new DemoException("the proxy stack's tasks did not start within " + START_TIMEOUT.toSeconds()
                    + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoException("interrupted while starting the proxy stack", e);
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

    static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    public Addresses addresses() {
        return addresses;
    }

    /** The emulator, for tests that look inside it. */
    public SwarmSim sim() {
        return sim;
    }

    /** From now on, a line for each proxy task started or stopped after the demo's start (a scale, a kill). */
    public void announceTo(Consumer<String> sink) {
        announcements = sink;
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
