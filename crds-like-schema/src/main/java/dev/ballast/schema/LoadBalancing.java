package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How an endpoint is picked for each request. */
public record LoadBalancing(Policy policy) {

    public LoadBalancing {
        policy = policy == null ? Policy.PEAK_EWMA : policy;
    }

    /** The load-balancing policies. */
    public enum Policy {
        @JsonProperty("RoundRobin") ROUND_ROBIN,
        @JsonProperty("LeastRequest") LEAST_REQUEST,
        @JsonProperty("PeakEwma") PEAK_EWMA
    }
}
