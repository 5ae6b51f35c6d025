package dev.ballast.sim.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps each service's tasks in line with its spec, as swarmkit's orchestrators and supervisors do: one task per
 * replica slot (or per eligible node, for global services), a failed task replaced once its restart delay has passed,
 * a changed task template rolled out batch by batch, each batch once the previous one has settled.
 *
 * <p>Work that takes time advances on a tick. Only services with work pending are visited, so an idle cluster costs
 * nothing. The tick and the workloads' callbacks arrive on other threads and take the store's lock themselves; every
 * other method expects it held.
 */
final class Orchestrator {

    private static final Logger LOG = LoggerFactory.getLogger(Orchestrator.class);

    private final ClusterStore store;
    private final TaskLifecycle lifecycle;
    private final VipPublisher vips;
    private final Cluster.Settings settings;
    /** Services with starting tasks, a rolling update or a restart pending. */
    private final Set<String> pending = new HashSet<>();
    /** When a failed slot may be restarted: task ID of the failed task → time. */
    private final Map<String, Instant> restartAt = new HashMap<>();

    Orchestrator(ClusterStore store, TaskLifecycle lifecycle, VipPublisher vips, Cluster.Settings settings) {
        this.store = store;
        this.lifecycle = lifecycle;
        this.vips = vips;
        this.settings = settings;
    }

    // ------------------------------------------------------------------------------------------------ reconciling

    /** Makes the number of active tasks match the spec: new slots get tasks, surplus slots shut down. */
    void scale(ServiceRecord service) {
        List<TaskRecord> active = store.tasksOf(service.id).stream().filter(TaskRecord::isActive).toList();
        if (service.isGlobal()) {
            List<NodeRecord> eligible = Placement.eligible(service.spec.path("TaskTemplate"), store.nodes());
            for (NodeRecord node : eligible) {
                if (active.stream().noneMatch(t -> t.nodeId.equals(node.id))) {
                    createTask(service, 0, node);
                }
            }
            for (TaskRecord t : active) {
                if (eligible.stream().noneMatch(n -> n.id.equals(t.nodeId))) {
                    lifecycle.stop(t);
                }
            }
        } else {
            long replicas = service.replicas();
            for (int slot = 1; slot <= replicas; slot++) {
                final int s = slot;
                // A slot waiting out its restart delay is not empty: filling it now would skip the delay.
                if (active.stream().noneMatch(t -> t.slot == s) && !restartPending(service.id, s)) {
                    createTask(service, slot, null);
                }
            }
            for (TaskRecord t : active) {
                if (t.slot > replicas) {
                    lifecycle.stop(t);
                }
            }
        }
        pending.add(service.id);
        vips.publish(service);
    }

    /** The service is gone: its tasks stop and disappear at once, history and all. */
    void remove(ServiceRecord service) {
        for (TaskRecord task : List.copyOf(store.tasks())) {
            if (task.serviceId.equals(service.id)) {
                lifecycle.stop(task);
                lifecycle.forget(task);
            }
        }
        vips.withdraw(service.id);
        pending.remove(service.id);
    }

    /** Fault injection: the task fails as a container killed by SIGKILL does, and is replaced like any failed task. */
    void kill(String ref) {
        TaskRecord task = store.task(ref);
        if (!task.isRunning()) {
            throw new ClusterException(ClusterException.Kind.INVALID, "task " + ref + " is not running");
        }
        taskFailed(task.id, "task: non-zero exit (137)", 137);
    }

    private boolean restartPending(String serviceId, int slot) {
        return restartAt.keySet().stream().map(store::taskById)
                .anyMatch(t -> t != null && t.serviceId.equals(serviceId) && t.slot == slot);
    }

    /** A task for the slot; global services name the node, replicated ones spread their slots over eligible nodes. */
    private void createTask(ServiceRecord service, int slot, NodeRecord onNode) {
        List<NodeRecord> eligible = Placement.eligible(service.spec.path("TaskTemplate"), store.nodes());
        NodeRecord node = onNode != null ? onNode : eligible.isEmpty() ? null : eligible.get((slot - 1) % eligible.size());
        TaskRecord task = new TaskRecord(store.ids().swarmId(), service.id, slot, node == null ? "" : node.id,
                (ObjectNode) service.spec.get("TaskTemplate").deepCopy(), store.now(), store.ids().hexId(),
                store.nextVersion());
        if (node == null) {
            task.state = "pending";
            task.message = "pending task scheduling";
            task.err = "no suitable node (scheduling constraints not satisfied on " + store.nodes().size() + " nodes)";
        }
        store.add(task);
        pruneHistory(service.id, slot, task.nodeId);
    }

    /** Keeps at most {@code historyPerSlot} finished tasks per slot (per node for global services). */
    private void pruneHistory(String serviceId, int slot, String nodeId) {
        List<TaskRecord> finished = store.tasksOf(serviceId).stream()
                .filter(t -> !t.isActive() && t.slot == slot && (slot != 0 || t.nodeId.equals(nodeId)))
                .sorted(Comparator.comparing((TaskRecord t) -> t.createdAt))
                .toList();
        for (int i = 0; i < finished.size() - settings.historyPerSlot(); i++) {
            lifecycle.forget(finished.get(i));
            restartAt.remove(finished.get(i).id);
        }
    }

    // ------------------------------------------------------------------------------------------------ the tick

    /** One orchestration step for every service with work pending. */
    void tick() {
        synchronized (store) {
            try {
                for (String serviceId : List.copyOf(pending)) {
                    ServiceRecord service = store.serviceById(serviceId);
                    if (service == null) {
                        pending.remove(serviceId);
                        continue;
                    }
                    boolean busy = advanceTasks(service);
                    busy |= restartFailed(service);
                    busy |= rollOn(service);
                    vips.publish(service);
                    if (!busy) {
                        pending.remove(serviceId);
                    }
                }
            } catch (RuntimeException e) {
                // The orchestrator must survive its own bugs; the next tick tries again.
                LOG.error("orchestrator tick failed", e);
            }
        }
    }

    private boolean advanceTasks(ServiceRecord service) {
        boolean busy = false;
        for (TaskRecord task : store.tasksOf(service.id)) {
            if (task.isActive()) {
                lifecycle.step(service, task, this::reportsFor);
                busy |= TaskLifecycle.isStarting(task);
            }
        }
        return busy;
    }

    /** Replaces failed tasks whose restart delay has passed, if their slot is still wanted and still empty. */
    private boolean restartFailed(ServiceRecord service) {
        boolean busy = false;
        for (Map.Entry<String, Instant> e : List.copyOf(restartAt.entrySet())) {
            TaskRecord failed = store.taskById(e.getKey());
            if (failed == null) {
                restartAt.remove(e.getKey());
                continue;
            }
            if (!failed.serviceId.equals(service.id)) {
                continue;
            }
            if (store.now().isBefore(e.getValue())) {
                busy = true;
                continue;
            }
            restartAt.remove(e.getKey());
            boolean slotWanted = service.isGlobal() || failed.slot <= service.replicas();
            boolean slotFree = store.tasksOf(service.id).stream().noneMatch(t -> t.isActive() && t.slot == failed.slot
                    && (failed.slot != 0 || t.nodeId.equals(failed.nodeId)));
            if (slotWanted && slotFree) {
                createTask(service, failed.slot, service.isGlobal() ? store.nodeById(failed.nodeId) : null);
                busy = true;
            }
        }
        return busy;
    }

    /** The next batch of a rolling update, once every task of the service has settled. */
    private boolean rollOn(ServiceRecord service) {
        if (service.updateStatus == null || !service.updateStatus.state().equals("updating")) {
            return false;
        }
        List<TaskRecord> active = store.tasksOf(service.id).stream().filter(TaskRecord::isActive).toList();
        if (active.stream().anyMatch(TaskLifecycle::isStarting)) {
            return true;
        }
        JsonNode template = service.spec.path("TaskTemplate");
        List<TaskRecord> outdated = active.stream().filter(t -> !t.spec.equals(template)).toList();
        if (outdated.isEmpty()) {
            service.updateStatus = new ServiceRecord.UpdateStatus("completed", service.updateStatus.startedAt(),
                    store.now(), "update completed");
            service.version = store.nextVersion();
            store.emit("service", "update", service.id, Map.of("name", service.name(),
                    "updatestate.old", "updating", "updatestate.new", "completed"));
            return false;
        }
        int parallelism = service.spec.path("UpdateConfig").path("Parallelism").asInt(1);
        int batch = parallelism <= 0 ? outdated.size() : Math.min(parallelism, outdated.size());
        for (TaskRecord old : outdated.subList(0, batch)) {
            lifecycle.stop(old);
            createTask(service, old.slot, service.isGlobal() ? store.nodeById(old.nodeId) : null);
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ reports

    /** Where a launched workload reports; it does so later, from another thread, so each report takes the lock. */
    private Workloads.TaskCallback reportsFor(String taskId) {
        return new Workloads.TaskCallback() {
            @Override
            public void running(int port) {
                synchronized (store) {
                    taskRunning(taskId, port);
                }
            }

            @Override
            public void failed(String error, int exitCode) {
                synchronized (store) {
                    taskFailed(taskId, error, exitCode);
                }
            }
        };
    }

    private void taskRunning(String taskId, int port) {
        if (!lifecycle.running(taskId, port)) {
            return;
        }
        TaskRecord task = store.taskById(taskId);
        pending.add(task.serviceId);
        ServiceRecord service = store.serviceById(task.serviceId);
        if (service != null) {
            vips.publish(service); // at once: a client that sees the task running may call the VIP next
        }
    }

    /** A task's workload failed (it could not start, or it was killed): the task is marked and its restart planned. */
    void taskFailed(String taskId, String error, int exitCode) {
        TaskRecord task = lifecycle.failed(taskId, error, exitCode);
        if (task == null) {
            return;
        }
        ServiceRecord service = store.serviceById(task.serviceId);
        JsonNode restartPolicy = service == null ? null : service.spec.path("TaskTemplate").path("RestartPolicy");
        if (restartPolicy != null && !restartPolicy.path("Condition").asString("any").equals("none")) {
            long delayNanos = restartPolicy.path("Delay").asLong(-1);
            Duration delay = delayNanos >= 0 ? Duration.ofNanos(delayNanos) : settings.restartDelay();
            restartAt.put(task.id, store.now().plus(delay));
        }
        pending.add(task.serviceId);
        if (service != null) {
            vips.publish(service);
        }
    }
}
