package dev.ballast.dist.demo;

import dev.ballast.sim.model.Workloads;
import dev.ballast.sim.runtime.HostedWorkload;
import dev.ballast.sim.runtime.TaskLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The tasks of one service of the demo's {@code proxy} stack, run as parts of this process: when the emulator's
 * orchestrator starts a task (the service created, scaled up, a task replaced), a part starts; when it stops one
 * (scaled down, removed, killed), the part stops gracefully. Starting and stopping block (binding, draining), so each
 * runs on a thread of its own, in a {@link ThreadGroup} named after the task that the part's threads inherit, which is
 * how {@link TaskLogRouting} tells whose log lines are whose. A slot's next part starts only once its previous one has
 * stopped, since both want the slot's ports.
 */
final class InProcessTasks implements HostedWorkload {

    /** Starts the part a task runs; may block. */
    @FunctionalInterface
    interface Starter {
        Started start(Workloads.TaskLaunch launch, TaskLog log) throws Exception;
    }

    /**
     * A started part, what its task's log says of it (as the process would print it), and where it listens, for the
     * demo's output.
     */
    record Started(AutoCloseable part, String summary, String where) {
    }

    /** A part that could not start; the message names the part and what went wrong. */
    static final class StartException extends Exception {
        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Running(String name, int slot, ThreadGroup group, TaskLog log, AutoCloseable part) {
    }

    private final TaskLogRouting routing;
    private final Starter starter;
    private final Consumer<String> announce;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** Tasks stopped while still starting: their part is closed as soon as it is up. */
    private final Map<String, Boolean> stoppedWhileStarting = new ConcurrentHashMap<>();
    /** Slot → when its last part has stopped. */
    private final Map<Integer, CompletableFuture<Void>> slotFree = new ConcurrentHashMap<>();
    /** Slot → how its first part's start went, for the demo's own start. */
    private final Map<Integer, CompletableFuture<String>> firstStarts = new ConcurrentHashMap<>();
    private volatile boolean closed;

    InProcessTasks(TaskLogRouting routing, Starter starter, Consumer<String> announce) {
        this.routing = routing;
        this.starter = starter;
        this.announce = announce;
    }

    /** How the first part of {@code slot} started: where it listens, or the reason it could not. */
    CompletableFuture<String> firstStart(int slot) {
        return firstStarts.computeIfAbsent(slot, s -> new CompletableFuture<>());
    }

    @Override
    public void start(Workloads.TaskLaunch launch, TaskLog log, Workloads.TaskCallback callback) {
        String name = launch.serviceName() + "." + launch.slot();
        if (closed) {
            callback.failed("task: non-zero exit (143): the demo is stopping", 143);
            return;
        }
        ThreadGroup group = new ThreadGroup(name);
        routing.attach(group, log);
        CompletableFuture<Void> previous = slotFree.getOrDefault(launch.slot(),
                CompletableFuture.completedFuture(null));
        Thread thread = new Thread(group, () -> {
            previous.join();
            Started started;
            try {
                started = starter.start(launch, log);
            } catch (Exception e) {
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                log.stderr(message);
                routing.detach(group);
                firstStart(launch.slot()).completeExceptionally(new StartException(message, e));
                callback.failed("task: non-zero exit (1): " + message, 1);
                return;
            }
            log.stdout(started.summary());
            Running part = new Running(name, launch.slot(), group, log, started.part());
            running.put(launch.taskId(), part);
            if (closed || stoppedWhileStarting.remove(launch.taskId()) != null) {
                stop(launch.taskId());
                return;
            }
            firstStart(launch.slot()).complete(started.where());
            announce.accept(name + " started: " + started.where());
            callback.running(0);
        }, "demo-start-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop(String taskId) {
        Running part = running.remove(taskId);
        if (part == null) {
            stoppedWhileStarting.put(taskId, true);
            return;
        }
        CompletableFuture<Void> free = new CompletableFuture<>();
        slotFree.put(part.slot(), free);
        Thread thread = new Thread(part.group(), () -> {
            try {
                stopNow(part);
            } finally {
                free.complete(null);
            }
        }, "demo-stop-" + part.name());
        thread.setDaemon(true);
        thread.start();
    }

    private void stopNow(Running part) {
        try {
            part.part().close();
            part.log().stdout("stopped: drained and closed");
        } catch (Exception e) {
            part.log().stderr("stopping: " + e);
        } finally {
            routing.detach(part.group());
        }
        if (!closed) {
            announce.accept(part.name() + " stopped");
        }
    }

    /** Stops every part, waiting for each; tasks the orchestrator starts from now on are refused. */
    void closeAll() {
        closed = true;
        List<Thread> stopping = new ArrayList<>();
        for (String taskId : List.copyOf(running.keySet())) {
            Running part = running.remove(taskId);
            if (part != null) {
                Thread thread = new Thread(part.group(), () -> stopNow(part), "demo-stop-" + part.name());
                thread.start();
                stopping.add(thread);
            }
        }
        for (Thread thread : stopping) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
