package dev.ballast.schema;

import java.util.List;

/**
 * What a route asks of TLS beyond the certificates the operator provides.
 *
 * @param acme the route's hosts get certificates from the controller's ACME CA ({@code --acme-email})
 * @param hosts the hosts to certify; empty means the hosts of the route's rules
 */
public record RouteTls(boolean acme, List<String> hosts) {

    public RouteTls {
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
    }
}
