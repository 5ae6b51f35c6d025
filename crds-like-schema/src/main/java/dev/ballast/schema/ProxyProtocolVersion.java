package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The PROXY protocol header a TCP or SNI route sends its endpoints first (HAProxy's {@code send-proxy[-v2]}). */
public enum ProxyProtocolVersion {
    /** The human-readable line, {@code PROXY TCP4 src dst sport dport\r\n}. */
    @JsonProperty("v1") V1,
    /** The binary form, with its 12-byte signature. */
    @JsonProperty("v2") V2
}
