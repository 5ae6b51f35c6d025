package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the proxy speaks to a route's endpoints. */
public enum BackendProtocol {
    /** HTTP/1.1 over pooled keep-alive connections (the default). */
    @JsonProperty("HTTP1") HTTP1,
    /** HTTP/2 without TLS (prior knowledge): gRPC backends, for one; streams multiplexed on few connections. */
    @JsonProperty("H2C") H2C,
    /** HTTP/2 over TLS (ALPN {@code h2}). */
    @JsonProperty("H2") H2
}
