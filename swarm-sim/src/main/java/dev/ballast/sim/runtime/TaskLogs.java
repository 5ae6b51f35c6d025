package dev.ballast.sim.runtime;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Every task's log, from its first start until the task is removed from the swarm (a finished task's log stays
 * readable while the task is kept in the history, as its container's would). Whoever follows a service's logs also
 * hears of logs opened later: a task that starts while {@code docker service logs -f} runs shows up in it.
 */
public final class TaskLogs {

    private final Clock clock;
    private final Map<String, TaskLog> logs = new LinkedHashMap<>();
    private final List<Consumer<TaskLog>> openListeners = new ArrayList<>();

    public TaskLogs(Clock clock) {
        this.clock = clock;
    }

    /** The task's log, created on the task's first start; a restarted workload appends to the same log. */
    public TaskLog open(String taskId, String serviceId, String nodeId) {
        TaskLog log;
        List<Consumer<TaskLog>> listeners;
        synchronized (this) {
            log = logs.get(taskId);
            if (log != null) {
                return log;
            }
            log = new TaskLog(taskId, serviceId, nodeId, clock);
            logs.put(taskId, log);
            listeners = List.copyOf(openListeners);
        }
        for (Consumer<TaskLog> listener : listeners) {
            listener.accept(log);
        }
        return log;
    }

    public synchronized Optional<TaskLog> get(String taskId) {
        return Optional.ofNullable(logs.get(taskId));
    }

    /** The logs of a service's tasks, oldest task first. */
    public synchronized List<TaskLog> ofService(String serviceId) {
        return logs.values().stream().filter(l -> l.serviceId().equals(serviceId)).toList();
    }

    /** The task is gone from the swarm: so is its log. */
    public synchronized void remove(String taskId) {
        logs.remove(taskId);
    }

    /**
     * Calls {@code listener} with every log opened from now on, until the returned subscription is cancelled. It is
     * called on the thread that opens the log, so it must not block.
     */
    public TaskLog.Subscription onOpen(Consumer<TaskLog> listener) {
        synchronized (this) {
            openListeners.add(listener);
        }
        return () -> {
            synchronized (TaskLogs.this) {
                openListeners.remove(listener);
            }
        };
    }

    synchronized int size() {
        return logs.size();
    }
}
