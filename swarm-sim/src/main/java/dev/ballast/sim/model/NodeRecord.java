package dev.ballast.sim.model;

import java.time.Instant;
import java.util.Map;

/** One emulated node. Mutable; guarded by the {@link ClusterStore}'s lock. */
public final class NodeRecord {
    public final String id;
    public final String hostname;
    public final String role;
    public final boolean leader;
    public final String addr;
    public final Instant createdAt;
    public final Map<String, String> labels;
    public String availability = "active";
    public String state = "ready";
    public long version;

    NodeRecord(String id, String hostname, String role, boolean leader, String addr, Instant createdAt,
               Map<String, String> labels, long version) {
        this.id = id;
        this.hostname = hostname;
        this.role = role;
        this.leader = leader;
        this.addr = addr;
        this.createdAt = createdAt;
        this.labels = labels;
        this.version = version;
    }
}
