package dev.ballast.sim.model;

import java.util.List;

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

    /** What a task is: the image and arguments decide what it runs. */
    record TaskLaunch(String taskId, String serviceName, String image, List<String> args, String hostname,
                      List<String> addresses) {
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
