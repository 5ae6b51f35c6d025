package dev.ballast.sim.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * A task's way through the engine's states on its node: {@code new → assigned → preparing → starting}, then the
 * workload decides {@code running} or {@code failed}; and its end, {@code shutdown}. It starts and stops the task's
 * workload and takes and gives back its addresses; what the service does about a task's fate is the
 * {@link Orchestrator}'s business.
 */
final class TaskLifecycle {

    private static final List<String> STARTING = List.of("new", "assigned", "preparing", "starting");

    private final ClusterStore store;
    private final NetworkAllocator allocator;
    private final Workloads workloads;

    TaskLifecycle(ClusterStore store, NetworkAllocator allocator, Workloads workloads) {
        this.store = store;
        this.allocator = allocator;
        this.workloads = workloads;
    }

    /** On its way to running: neither there yet nor given up on. */
    static boolean isStarting(TaskRecord task) {
        return STARTING.contains(task.state);
    }

    /**
     * Moves an active task one state on; from {@code preparing} its workload is launched and reports to the
     * callback {@code reportsFor} gives for the task's ID. Unschedulable ({@code pending}) tasks stay where they are,
     * like the engine's.
     */
    void step(ServiceRecord service, TaskRecord task, Function<String, Workloads.TaskCallback> reportsFor) {
        switch (task.state) {
            case "new" -> setState(task, "assigned", "scheduler assigned task to node");
            case "assigned" -> setState(task, "preparing", "preparing");
            case "preparing" -> launch(service, task, reportsFor.apply(task.id));
            default -> {
            }
        }
    }

    private void launch(ServiceRecord service, TaskRecord task, Workloads.TaskCallback callback) {
        setState(task, "starting", "starting");
        List<String> addresses = allocator.attach(task);
        JsonNode container = task.spec.path("ContainerSpec");
        List<String> args = new ArrayList<>();
        container.path("Command").forEach(a -> args.add(a.asString()));
        container.path("Args").forEach(a -> args.add(a.asString()));
        String hostname = container.path("Hostname").asString("");
        if (hostname.isEmpty()) {
            hostname = task.containerId.substring(0, 12);
        }
        task.pid = 1000 + (int) (store.index() % 30000);
        workloads.start(new Workloads.TaskLaunch(task.id, service.id, service.name(), task.slot, task.nodeId,
                container.path("Image").asString(""), args, service.labels(), hostname, addresses), callback);
    }

    /**
     * The workload of a starting task serves on {@code port}. Returns whether the task is now running; a task shut
     * down while it was starting has its workload stopped instead.
     */
    boolean running(String taskId, int port) {
        TaskRecord task = store.taskById(taskId);
        if (task == null || !task.isActive() || !task.state.equals("starting")) {
            if (task != null && !task.isActive()) {
                workloads.stop(taskId);
            }
            return false;
        }
        task.port = port;
        setState(task, "running", "started");
        return true;
    }

    /**
     * The task's workload failed, to start or later. Returns the failed task, or null when the task is gone or had
     * already ended (a workload may report after its task was shut down).
     */
    TaskRecord failed(String taskId, String error, int exitCode) {
        TaskRecord task = store.taskById(taskId);
        if (task == null || task.state.equals("failed") || task.state.equals("shutdown")) {
            return null;
        }
        task.exitCode = exitCode;
        task.err = error;
        setState(task, "failed", "started".equals(task.message) ? "started" : task.message);
        task.desiredState = "shutdown";
        workloads.stop(task.id);
        allocator.detach(task);
        return task;
    }

    /** Ends the task; a task that already failed or completed keeps that state, as the engine reports it. */
    void stop(TaskRecord task) {
        task.desiredState = "shutdown";
        if (!task.state.equals("failed") && !task.state.equals("complete")) {
            setState(task, "shutdown", "shutdown");
        }
        workloads.stop(task.id);
        allocator.detach(task);
    }

    /** Drops a finished task from the records, and with it whatever its workload left behind (its log). */
    void forget(TaskRecord task) {
        store.remove(task);
        workloads.remove(task.id);
    }

    void setState(TaskRecord task, String state, String message) {
        task.state = state;
        task.message = message;
        task.statusAt = store.now();
        task.updatedAt = task.statusAt;
        task.version = store.nextVersion();
    }
}
