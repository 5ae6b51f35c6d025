package dev.ballast.sim.runtime;

import java.time.Duration;

/**
 * Misbehaviour injected into a running task's server.
 *
 * @param delay added before every answer
 * @param status when non-zero, every request is answered with this status instead of the whoami page
 */
public record TaskFault(Duration delay, int status) {

    public static final TaskFault NONE = new TaskFault(Duration.ZERO, 0);
}
