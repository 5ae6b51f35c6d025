package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a route proxies: HTTP requests, or whole TCP connections arriving on its rules' {@code srcPort}. */
public enum RouteMode {
    /** HTTP/1.1 requests, matched by host, path and the other rule conditions. */
    @JsonProperty("HTTP") HTTP,
    /** Every connection to the rule's {@code srcPort} is relayed byte for byte to an endpoint. */
    @JsonProperty("TCP") TCP,
    /** TLS passed through untouched, routed by the ClientHello's server name. */
    @JsonProperty("SNI") SNI
}
