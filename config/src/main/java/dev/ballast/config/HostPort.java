package dev.ballast.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A listen or connect address: {@code host:port}, {@code [v6]:port}, or {@code :port} (all interfaces).
 *
 * @param host a host name or IP literal without brackets; {@code 0.0.0.0} for "all interfaces"
 * @param port 0 (pick a free port) to 65535
 */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
    }

    /** The address a socket is bound or connected to, as it would be written in a flag. */
    public static HostPort of(InetSocketAddress address) {
        return new HostPort(address.getHostString(), address.getPort());
    }

    public static HostPort parse(String text) {
        String value = text == null ? "" : text.trim();
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("\"" + value + "\" is not host:port (e.g. 0.0.0.0:8080, [::1]:80, :80)");
        }
        String host = value.substring(0, colon);
        String portText = value.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("\"" + value + "\": write IPv6 addresses in brackets, e.g. [::1]:80");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + value + "\" has no valid port (\"" + portText + "\")", e);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("\"" + value + "\": " + port + " is not a port (0-65535)");
        }
        return new HostPort(host.isEmpty() ? "0.0.0.0" : host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
