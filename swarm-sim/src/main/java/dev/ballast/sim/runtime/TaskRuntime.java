package dev.ballast.sim.runtime;

import dev.ballast.sim.model.Workloads;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs emulated tasks, each according to what it is:
 * <ul>
 *   <li>a service whose tasks the host runs ({@link #host}): handed to its {@link HostedWorkload};</li>
 *   <li>a whoami image: a whoami server on every address of the task, on the image's port (80, or {@code -port N} /
 *       {@code --port N} from the service's arguments);</li>
 *   <li>any other image: a {@link StandInHandler stand-in} on the ports {@link StandInPorts} finds, or nothing when
 *       it finds none.</li>
 * </ul>
 * Every task gets a log ({@link TaskLogs}) that its workload writes to. A port that cannot be bound fails the task
 * with the error, as the container would exit.
 */
public final class TaskRuntime implements Workloads {

    private final TaskLogs logs;
    private final TaskServers servers;
    private final VirtualIps vips;
    private final Map<String, TaskFault> faults = new ConcurrentHashMap<>();
    /** Service name → the host's workload for its tasks. */
    private final Map<String, HostedWorkload> hosts = new ConcurrentHashMap<>();
    /** Task ID → the host's workload running it, so that stopping reaches the one that started it. */
    private final Map<String, HostedWorkload> hostedTasks = new ConcurrentHashMap<>();

    public TaskRuntime(EventLoopGroup group, TaskLogs logs) {
        this.logs = logs;
        this.servers = new TaskServers(group);
        this.vips = new VirtualIps(group);
    }

    /** From now on, tasks of the service named {@code serviceName} are started and stopped by {@code workload}. */
    public void host(String serviceName, HostedWorkload workload) {
        hosts.put(serviceName, workload);
    }

    public TaskLogs logs() {
        return logs;
    }

    @Override
    public void start(TaskLaunch launch, TaskCallback callback) {
        TaskLog log = logs.open(launch.taskId(), launch.serviceId(), launch.nodeId());
        HostedWorkload host = hosts.get(launch.serviceName());
        if (host != null) {
            hostedTasks.put(launch.taskId(), host);
            host.start(launch, log, callback);
        } else if (Images.isWhoami(launch.image())) {
            startWhoami(launch, log, callback);
        } else {
            startStandIn(launch, log, callback);
        }
    }

    private void startWhoami(TaskLaunch launch, TaskLog log, TaskCallback callback) {
        int port = Images.whoamiPort(launch.args());
        if (port < 1 || port > 65535) {
            String error = "invalid value for flag -port: " + launch.args();
            log.stderr(error);
            callback.failed("task: non-zero exit (2): " + error, 2);
            return;
        }
        log.stderr("Starting up on port " + port);
        servers.start(launch, List.of(port), ch -> ch.pipeline().addLast(new HttpServerCodec(),
                new HttpServerKeepAliveHandler(), new WhoamiHandler(launch.hostname(), launch.addresses(),
                        () -> faults.getOrDefault(launch.taskId(), TaskFault.NONE), log)), reporting(log, callback));
    }

    private void startStandIn(TaskLaunch launch, TaskLog log, TaskCallback callback) {
        StandInPorts ports = StandInPorts.of(launch.image(), launch.serviceLabels());
        ports.problems().forEach(problem -> log.stderr("swarm-sim: " + problem));
        String what = "swarm-sim: emulated " + launch.image() + " (a stand-in, not the image): ";
        if (ports.ports().isEmpty()) {
            log.stderr(what + "serves nothing (" + ports.source() + ")");
            callback.running(0);
            return;
        }
        log.stderr(what + "HTTP and WebSocket echo on port " + ports.ports().stream().map(String::valueOf)
                .reduce((a, b) -> a + ", " + b).orElseThrow() + " (" + ports.source() + ")");
        servers.start(launch, ports.ports(), ch -> ch.pipeline().addLast(new HttpServerCodec(),
                new HttpServerKeepAliveHandler(), new StandInHandler(launch.image(), launch.hostname(), log)),
                reporting(log, callback));
    }

    /** A failure to start is also the last thing the task's log says, as a container's last words would be. */
    private static TaskCallback reporting(TaskLog log, TaskCallback callback) {
        return new TaskCallback() {
            @Override
            public void running(int port) {
                callback.running(port);
            }

            @Override
            public void failed(String error, int exitCode) {
                log.stderr(error);
                callback.failed(error, exitCode);
            }
        };
    }

    @Override
    public void stop(String taskId) {
        HostedWorkload host = hostedTasks.remove(taskId);
        if (host != null) {
            host.stop(taskId);
            return;
        }
        faults.remove(taskId);
        servers.stop(taskId);
    }

    @Override
    public void remove(String taskId) {
        logs.remove(taskId);
        servers.forget(taskId);
    }

    @Override
    public void virtualIps(String serviceId, List<VipBinding> bindings) {
        vips.update(serviceId, bindings);
    }

    /** Makes a task's server slow or failing ({@link TaskFault#NONE} heals it). */
    public void fault(String taskId, TaskFault fault) {
        if (fault.equals(TaskFault.NONE)) {
            faults.remove(taskId);
        } else {
            faults.put(taskId, fault);
        }
    }

    /** Stops every task server and virtual IP; hosted tasks are their host's to stop. */
    public void close() {
        servers.closeAll();
        vips.closeAll();
    }
}
