package dev.ballast.controller.acme;

import dev.ballast.schema.Route;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The certificates the routes ask ACME for: one per distinct host set of the routes with {@code tls.acme}, named
 * {@code acme-FIRSTHOST} (with a short hash of the set when it has more hosts, so two sets never share a name), and the
 * routes that cannot have one (wildcards: HTTP-01 cannot prove them, only DNS-01 can).
 *
 * @param certificates the wanted certificates by name
 * @param refusals why a route gets no ACME certificate, by route name
 */
record AcmeWants(Map<String, Want> certificates, Map<String, String> refusals) {

    static final AcmeWants NONE = new AcmeWants(Map.of(), Map.of());

    /** One certificate: its hosts, sorted, and the routes that want it. */
    record Want(String name, List<String> hosts, List<String> routes) {
    }

    AcmeWants {
        certificates = Map.copyOf(certificates);
        refusals = Map.copyOf(refusals);
    }

    static AcmeWants of(List<Route> routes) {
        Map<List<String>, List<String>> routesByHosts = new TreeMap<>((a, b) -> String.join(",", a)
                .compareTo(String.join(",", b)));
        Map<String, String> refusals = new TreeMap<>();
        for (Route route : routes) {
            List<String> hosts = route.spec().acmeHosts();
            if (route.spec().tls() == null || !route.spec().tls().acme()) {
                continue;
            }
            List<String> wildcards = hosts.stream().filter(h -> h.startsWith("*")).toList();
            if (hosts.isEmpty()) {
                refusals.put(route.name(), "tls.acme: the route names no host (rules[].hosts or tls.hosts) to"
                        + " certify");
            } else if (!wildcards.isEmpty()) {
                refusals.put(route.name(), "tls.acme: " + String.join(", ", wildcards) + " is a wildcard, which"
                        + " only the DNS-01 challenge can prove and Ballast answers HTTP-01 only; provide that"
                        + " certificate with --certs or PUT /v1/docker-flow-proxy/cert");
            } else {
                List<String> sorted = List.copyOf(new TreeSet<>(hosts.stream()
                        .map(h -> h.toLowerCase(Locale.ROOT)).toList()));
                routesByHosts.computeIfAbsent(sorted, k -> new ArrayList<>()).add(route.name());
            }
        }
        Map<String, Want> certificates = new TreeMap<>();
        routesByHosts.forEach((hosts, names) -> {
            String name = nameOf(hosts);
            certificates.put(name, new Want(name, hosts, List.copyOf(names)));
        });
        return new AcmeWants(certificates, refusals);
    }

    static String nameOf(List<String> hosts) {
        String first = "acme-" + hosts.get(0);
        if (hosts.size() == 1) {
            return first;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.join(",", hosts)
                    .getBytes(StandardCharsets.UTF_8));
            return first + "-" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
