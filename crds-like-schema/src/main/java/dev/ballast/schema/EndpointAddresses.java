package dev.ballast.schema;

import dev.ballast.config.HostPort;

/** Parses endpoint addresses, which unlike listen addresses may leave the port out. */
public final class EndpointAddresses {

    private EndpointAddresses() {
    }

    /**
     * {@code host}, {@code host:port}, {@code v6-literal}, or {@code [v6]:port}.
     *
     * @return the host and port, port 0 when none was given
     */
    public static HostPort parse(String address) {
        String value = address.trim();
        if (value.isEmpty() || value.startsWith(":") || value.chars().anyMatch(Character::isWhitespace) || value.contains("/")) {
            throw new IllegalArgumentException("\"" + address + "\" is not host, host:port or [IPv6]:port");
        }
        boolean bracketed = value.startsWith("[");
        long colons = value.chars().filter(c -> c == ':').count();
        if (!bracketed && colons > 1) {
            return new HostPort(value, 0); // a bare IPv6 literal
        }
        if (bracketed ? !value.contains("]:") : colons == 0) {
            String host = bracketed ? value.substring(1, value.length() - 1) : value;
            if (bracketed && !value.endsWith("]")) {
                throw new IllegalArgumentException("\"" + address + "\" is not host, host:port or [IPv6]:port");
            }
            return new HostPort(host, 0);
        }
        HostPort parsed;
        try {
            parsed = HostPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + address + "\" is not host, host:port or [IPv6]:port", e);
        }
        if (parsed.port() == 0) {
            throw new IllegalArgumentException("\"" + address + "\": 0 is not a port (1-65535)");
        }
        return parsed;
    }
}
