package dev.ballast.sim;

import dev.ballast.sim.api.ApiFaults;
import dev.ballast.sim.api.ApiRouter;
import dev.ballast.sim.api.ApiServer;
import dev.ballast.sim.api.EventStreams;
import dev.ballast.sim.api.SideDoor;
import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.runtime.AddressBlock;
import dev.ballast.sim.runtime.HostedWorkload;
import dev.ballast.sim.runtime.TaskFault;
import dev.ballast.sim.runtime.TaskLogs;
import dev.ballast.sim.runtime.TaskRuntime;
import dev.ballast.observability.netty.LoopShutdown;
import dev.ballast.observability.netty.Transports;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A running emulator: the cluster, the workloads its tasks run, and any number of API listeners.
 *
 * <pre>{@code
 * try (SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults())) {
 *     String host = sim.listen("127.0.0.1:0");   // "tcp://127.0.0.1:41234", for DOCKER_HOST or docker-java
 *     ...
 *     sim.killTask(taskId);                        // fault injection, also over HTTP at /_sim
 * }
 * }</pre>
 */
public final class SwarmSim implements AutoCloseable {

    /**
     * How the emulator behaves.
     *
     * @param nodes how many manager nodes the swarm has (the first is the leader)
     * @param tick how often the orchestrator moves tasks one step
     * @param restartDelay how long a failed task waits before it is replaced, when its service does not say
     * @param seed seeds IDs; the same seed gives the same IDs for the same sequence of calls
     * @param addressBlock B of the block 127.B.0.0/16 that holds the emulator's networks; 0 to take the first one no
     *                     other emulator on this machine holds (from 127.17.0.0/16 on)
     */
    public record Options(int nodes, Duration tick, Duration restartDelay, long seed, int addressBlock) {
        public static Options defaults() {
            return new Options(2, Duration.ofMillis(5), Duration.ofMillis(200), System.nanoTime(), 0);
        }

        public Options withNodes(int n) {
            return new Options(n, tick, restartDelay, seed, addressBlock);
        }

        /** A fixed address block, for addresses that must be the same every run ({@link AddressBlock#DOCUMENTED}). */
        public Options withAddressBlock(int block) {
            return new Options(nodes, tick, restartDelay, seed, block);
        }
    }

    private final EventLoopGroup group;
    private final ScheduledExecutorService scheduler;
    private final AddressBlock addresses;
    private final TaskRuntime runtime;
    private final Cluster cluster;
    private final ApiFaults faults = new ApiFaults();
    private final EventStreams streams = new EventStreams();
    private final ApiRouter handler;
    private final List<Channel> listeners = new ArrayList<>();

    private SwarmSim(Options options, AddressBlock addresses) {
        this.addresses = addresses;
        this.group = Transports.group(0);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "swarm-sim-orchestrator");
            t.setDaemon(true);
            return t;
        });
        this.runtime = new TaskRuntime(group, new TaskLogs(Clock.systemUTC()));
        this.cluster = new Cluster(Clock.systemUTC(), new Random(options.seed()), runtime, scheduler,
                new Cluster.Settings(options.nodes(), options.tick(), options.restartDelay(), 5, addresses.block()));
        this.handler = new ApiRouter(cluster, runtime.logs(), faults, streams,
                new SideDoor(cluster, runtime, faults, streams));
    }

    /**
     * Starts an emulator.
     *
     * @throws IllegalStateException when its address block is held by another emulator on this machine
     */
    public static SwarmSim start(Options options) {
        AddressBlock addresses = options.addressBlock() == 0 ? AddressBlock.any()
                : AddressBlock.claim(options.addressBlock());
        try {
            return new SwarmSim(options, addresses);
        } catch (RuntimeException e) {
            addresses.close();
            throw e;
        }
    }

    /**
     * Serves the API on {@code address} ({@code host:port} with port 0 for any, {@code tcp://host:port}, or
     * {@code unix:///path.sock}) and returns the address to give clients, e.g. {@code tcp://127.0.0.1:41234}.
     */
    public synchronized String listen(String address) throws InterruptedException {
        Channel channel = ApiServer.listen(group, address, handler);
        listeners.add(channel);
        if (channel.localAddress() instanceof InetSocketAddress inet) {
            return "tcp://" + inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return "unix://" + ((DomainSocketAddress) channel.localAddress()).path();
    }

    public Cluster cluster() {
        return cluster;
    }

    /** B of 127.B.0.0/16, the block every network, task and virtual IP address of this emulator is in. */
    public int addressBlock() {
        return addresses.block();
    }

    /** Every task's log, as {@code docker service logs} reads them. */
    public TaskLogs logs() {
        return runtime.logs();
    }

    /**
     * Hands the tasks of the service named {@code serviceName} to {@code workload}: from now on the orchestrator's
     * starts and stops of its tasks (creating, scaling, failures, updates) start and stop the host's workload.
     */
    public void host(String serviceName, HostedWorkload workload) {
        runtime.host(serviceName, workload);
    }

    /** Creates a swarm-scoped overlay network, as {@code docker network create -d overlay} would. */
    public String createNetwork(String name, boolean attachable) {
        return cluster.createNetwork(name, "overlay", attachable, false, java.util.Map.of()).id;
    }

    // ---------------------------------------------------------------------------------------- fault injection

    /** The task's server stops; the task fails and, after the restart delay, is replaced. */
    public void killTask(String taskId) {
        cluster.killTask(taskId);
    }

    /** The task's answers are delayed by {@code delay}. */
    public void slowTask(String taskId, Duration delay) {
        runtime.fault(cluster.read(c -> c.task(taskId).id), new TaskFault(delay, 0));
    }

    /** The task answers every request with {@code status}. */
    public void failTask(String taskId, int status) {
        runtime.fault(cluster.read(c -> c.task(taskId).id), new TaskFault(Duration.ZERO, status));
    }

    public void healTask(String taskId) {
        runtime.fault(cluster.read(c -> c.task(taskId).id), TaskFault.NONE);
    }

    /** The API answers {@code status} to the next {@code count} requests (all, when {@code count <= 0}). */
    public void failApi(int status, int count) {
        faults.fail(status, count);
    }

    /** The API stops answering until {@link #healApi()}. */
    public void hangApi() {
        faults.hang();
    }

    public void healApi() {
        faults.clear();
    }

    /** Event streams stay open but deliver nothing until {@link #resumeEvents()}. */
    public void stallEvents() {
        streams.stall();
    }

    public void resumeEvents() {
        streams.resume();
    }

    /** Event streams opened from now on are answered and subscribed only after {@code delay}; zero to stop. */
    public void holdNewEventStreams(Duration delay) {
        streams.holdNewStreams(delay);
    }

    /** Every open event stream ends, as when the engine restarts. */
    public void endEvents() {
        streams.endAll();
    }

    /** How many {@code /events} streams are open. */
    public int openEventStreams() {
        return streams.openCount();
    }

    @Override
    public synchronized void close() {
        listeners.forEach(Channel::close);
        scheduler.shutdownNow();
        try {
            // A tick still running would start task servers on an event loop group about to go.
            scheduler.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runtime.close();
        LoopShutdown.shutDown(group, "the emulator's event loops", 0, 2000);
        addresses.close();
    }
}
