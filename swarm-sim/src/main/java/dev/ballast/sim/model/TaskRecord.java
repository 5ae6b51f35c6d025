package dev.ballast.sim.model;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/** One task: a slot of a service on a node, with its life-cycle state and its addresses. */
public final class TaskRecord {
    public final String id;
    public final String serviceId;
    public final int slot;
    public final String nodeId;
    public final ObjectNode spec;
    public final Instant createdAt;
    public final String containerId;
    /** network ID → address (without prefix length) */
    public final Map<String, String> addresses = new LinkedHashMap<>();
    public String desiredState = "running";
    public String state = "new";
    public String message = "created";
    public String err;
    public Instant updatedAt;
    public Instant statusAt;
    public long version;
    public int exitCode;
    public int pid;
    /** The port the task's server listens on, 0 when it serves nothing. */
    public int port;

    TaskRecord(String id, String serviceId, int slot, String nodeId, ObjectNode spec, Instant createdAt,
               String containerId, long version) {
        this.id = id;
        this.serviceId = serviceId;
        this.slot = slot;
        this.nodeId = nodeId;
        this.spec = spec;
        this.createdAt = createdAt;
        this.updatedAt = createdAt;
        this.statusAt = createdAt;
        this.containerId = containerId;
        this.version = version;
    }

    public boolean isActive() {
        return desiredState.equals("running");
    }

    public boolean isRunning() {
        return state.equals("running");
    }
}
