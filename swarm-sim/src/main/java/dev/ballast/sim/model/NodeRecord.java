package dev.ballast.sim.model;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One emulated node. Immutable: the emulated swarm's nodes are fixed at start and never drained or lost. */
public final class NodeRecord {
    public final String id;
    public final String hostname;
    public final String role;
    public final boolean leader;
    public final String addr;
    public final Instant createdAt;
    public final Map<String, String> labels;
    public final String availability = "active";
    public final String state = "ready";
    public final long version;

    NodeRecord(String id, String hostname, String role, boolean leader, String addr, Instant createdAt,
               Map<String, String> labels, long version) {
        this.id = id;
        this.hostname = hostname;
        this.role = role;
        this.leader = leader;
        this.addr = addr;
        this.createdAt = createdAt;
        this.labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        this.version = version;
    }
}
