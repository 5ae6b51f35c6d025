package dev.ballast.sim.model;

import java.util.List;
import java.util.Map;

/**
 * What the cluster asks of the machine: run a task, stop it, point virtual IPs at running tasks. Implementations
 * must not block and must not call back into the {@link Cluster} from within these methods (callbacks come later,
 * from another thread).
 */
public interface Workloads {

    /** Starts a task; exactly one of the callback's methods is called later. */
    void start(TaskLaunch launch, TaskCallback callback);

    /** Stops a task's workload (idempotent). */
    void stop(String taskId);

    /** The virtual IPs of a service and the running task addresses behind each; an empty list removes them. */
    void virtualIps(String serviceId, List<VipBinding> bindings);

    /** The task has left the swarm's records (history pruned, service removed): what it left behind goes too. */
    default void remove(String taskId) {
    }

    /**
     * What a task is: the image and arguments decide what it runs; the service's labels may say which port it serves
     * ({@code com.df.port}).
     *
     * @param slot the replica slot (from 1), 0 for a global service's task
     * @param addresses the task's addresses, one per network it is attached to
     */
    record TaskLaunch(String taskId, String serviceId, String serviceName, int slot, String nodeId, String image,
                      List<String> args, Map<String, String> serviceLabels, String hostname, List<String> addresses) {
        public TaskLaunch {
            args = List.copyOf(args);
            serviceLabels = Map.copyOf(serviceLabels);
            addresses = List.copyOf(addresses);
        }
    }

    /** One virtual IP forwarding a port round-robin over backend addresses. */
    record VipBinding(String vip, int port, List<String> backends) {
    }

    /** How a started task turned out. */
    interface TaskCallback {
        /** The task runs; {@code port} is the port its server listens on, 0 when it serves nothing. */
        void running(int port);

        void failed(String error, int exitCode);
    }

    /** Runs nothing: every task is "running" at once. For tests of the API alone. */
    static Workloads none() {
        return new Workloads() {
            @Override
            public void start(TaskLaunch launch, TaskCallback callback) {
                callback.running(0);
            }

            @Override
            public void stop(String taskId) {
            }

            @Override
            public void virtualIps(String serviceId, List<VipBinding> bindings) {
            }
        };
    }
}
