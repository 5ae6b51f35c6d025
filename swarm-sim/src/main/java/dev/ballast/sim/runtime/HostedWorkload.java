package dev.ballast.sim.runtime;

import dev.ballast.sim.model.Workloads;

/**
 * Tasks that the emulator's host runs itself instead of the emulator: {@code ballast demo} runs its controller and
 * proxy replicas as the tasks of its {@code proxy} stack, so that scaling the service starts and stops real replicas.
 * Registered per service name ({@code SwarmSim.host}); the emulator still schedules the tasks, allocates their
 * addresses and keeps their states, and gives each a log the workload writes to.
 *
 * <p>Both methods are called with the cluster's lock held: they must return at once and do the work on a thread of
 * their own, reporting through the callback later.
 */
public interface HostedWorkload {

    /** Starts the task's workload; exactly one of the callback's methods is called later. */
    void start(Workloads.TaskLaunch launch, TaskLog log, Workloads.TaskCallback callback);

    /** Stops the task's workload, gracefully (idempotent). */
    void stop(String taskId);
}
