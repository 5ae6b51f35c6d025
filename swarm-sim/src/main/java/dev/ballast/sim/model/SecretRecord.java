package dev.ballast.sim.model;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One Docker secret. Its data is kept only to tell an update that changes it from one that repeats it (the engine
 * refuses the first): no accessor hands it out, so nothing can render or log it. Only the labels change after
 * creation, as in the engine.
 */
public final class SecretRecord {
    public final String id;
    public final String name;
    public final Instant createdAt;
    /** The spec's {@code Driver} and {@code Templating} objects as the client sent them, or null. */
    public final JsonNode driver;
    public final JsonNode templating;
    public Map<String, String> labels;
    public Instant updatedAt;
    public long version;
    private final byte[] data;

    SecretRecord(String id, String name, Map<String, String> labels, byte[] data, JsonNode driver,
                 JsonNode templating, Instant createdAt, long version) {
        this.id = id;
        this.name = name;
        this.labels = copy(labels);
        this.data = data.clone();
        this.driver = driver;
        this.templating = templating;
        this.createdAt = createdAt;
        this.updatedAt = createdAt;
        this.version = version;
    }

    /** Whether {@code other} is this secret's data; constant time, as the engine compares it. */
    boolean sameData(byte[] other) {
        return MessageDigest.isEqual(data, other);
    }

    static Map<String, String> copy(Map<String, String> labels) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** Names the secret, never its data. */
    @Override
    public String toString() {
        return "secret " + name + " (" + id + ")";
    }
}
