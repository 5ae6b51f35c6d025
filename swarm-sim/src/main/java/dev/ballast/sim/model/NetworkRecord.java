package dev.ballast.sim.model;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One network: swarm-scoped overlays have an {@link AddressPool}; local ones (bridge, host, none) do not. Immutable
 * apart from its pool's addresses: the Engine API cannot change a network once created.
 */
public final class NetworkRecord {
    public final String id;
    public final String name;
    public final String driver;
    public final String scope;
    public final boolean attachable;
    public final boolean ingress;
    public final boolean internal;
    public final Map<String, String> labels;
    public final Instant createdAt;
    public final AddressPool pool;
    public final long version;

    NetworkRecord(String id, String name, String driver, String scope, boolean attachable, boolean ingress,
                  boolean internal, Map<String, String> labels, Instant createdAt, AddressPool pool, long version) {
        this.id = id;
        this.name = name;
        this.driver = driver;
        this.scope = scope;
        this.attachable = attachable;
        this.ingress = ingress;
        this.internal = internal;
        this.labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        this.createdAt = createdAt;
        this.pool = pool;
        this.version = version;
    }

    public boolean isSwarmScoped() {
        return pool != null;
    }
}
