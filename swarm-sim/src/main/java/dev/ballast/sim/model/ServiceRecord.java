package dev.ballast.sim.model;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/** One service: its spec as the client sent it (normalised), its virtual IPs and its update status. */
public final class ServiceRecord {
    public final String id;
    public final Instant createdAt;
    public ObjectNode spec;
    public ObjectNode previousSpec;
    public Instant updatedAt;
    public long version;
    /** network ID → virtual IP (without prefix length) */
    public final Map<String, String> vips = new LinkedHashMap<>();
    /** Published ports as rendered in {@code Endpoint.Ports}. */
    public ObjectNode endpointPorts;
    public UpdateStatus updateStatus;

    ServiceRecord(String id, ObjectNode spec, Instant createdAt, long version) {
        this.id = id;
        this.spec = spec;
        this.createdAt = createdAt;
        this.updatedAt = createdAt;
        this.version = version;
    }

    public String name() {
        return spec.path("Name").asString("");
    }

    public Map<String, String> labels() {
        Map<String, String> out = new LinkedHashMap<>();
        spec.path("Labels").properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
        return out;
    }

    public boolean isGlobal() {
        return spec.path("Mode").has("Global");
    }

    public long replicas() {
        return spec.path("Mode").path("Replicated").path("Replicas").asLong(1);
    }

    /** A rolling update's progress, as the engine reports it in {@code UpdateStatus}. */
    public record UpdateStatus(String state, Instant startedAt, Instant completedAt, String message) {
    }
}
