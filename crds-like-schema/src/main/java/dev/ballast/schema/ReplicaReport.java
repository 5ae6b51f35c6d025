package dev.ballast.schema;

import java.util.List;

/** The body of a pull: what the replica reports of the endpoints it sends to. */
public record ReplicaReport(List<EndpointReport> endpoints) {

    public static final ReplicaReport EMPTY = new ReplicaReport(List.of());

    public ReplicaReport {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }
}
