package dev.ballast.schema;

import java.util.Objects;

/**
 * One upstream address: {@code host}, {@code host:port} or {@code [v6]:port}. Without a port, the port of the rule
 * that routed the request is used.
 */
public record Endpoint(String address) {

    public Endpoint {
        Objects.requireNonNull(address, "address");
    }
}
