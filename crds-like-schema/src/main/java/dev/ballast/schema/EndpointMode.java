package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a Swarm-backed route sends requests. */
public enum EndpointMode {
    /** Each running task's address on the network shared with the proxy; the dataplane balances per task. */
    @JsonProperty("Tasks") TASKS,
    /** The service's virtual IP; Swarm's IPVS balances, as with Docker Flow Proxy. */
    @JsonProperty("VIP") VIP
}
