package dev.ballast.controller.acme;

import java.time.Instant;
import java.util.List;

/**
 * An ACME certificate as {@code /v1/status} and {@code /v1/docker-flow-proxy/certs} show it (never its key).
 *
 * @param name the certificate's name ({@code acme-HOST})
 * @param hosts the hosts it is for
 * @param routes the routes that want it
 * @param state {@code Issued} (one is served) or {@code Pending} (none yet)
 * @param issuer the issuer of the one served
 * @param notAfter when the one served expires
 * @param nextRenewal when its successor is ordered
 * @param failures failed orders in a row
 * @param retryAt no order before this, after a failure
 * @param lastError the CA's message of the last failure
 */
public record AcmeReport(String name, List<String> hosts, List<String> routes, String state, String issuer,
                         Instant notAfter, Instant nextRenewal, int failures, Instant retryAt, String lastError) {

    public AcmeReport {
        hosts = List.copyOf(hosts);
        routes = List.copyOf(routes);
    }
}
