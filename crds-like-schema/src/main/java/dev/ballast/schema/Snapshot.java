package dev.ballast.schema;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The whole routing state a dataplane needs: every route and the endpoints of every service they refer to.
 *
 * <p>The version is a content hash (see {@link SnapshotVersions}), so the same state has the same version in any
 * controller process. Routes are kept sorted by name and endpoints by service, which makes the content independent of
 * the order in which sources produced them.
 *
 * @param version the content hash
 * @param routes every route, sorted by name
 * @param endpoints the endpoints of every service, sorted by service name
 * @param certificates the certificates the controller distributes, sorted by name (empty unless replicas pull with a
 *     token)
 * @param challenges the ACME HTTP-01 challenges under way, sorted by token (usually none)
 */
public record Snapshot(String version, List<Route> routes, List<Endpoints> endpoints,
                       List<TlsCertificate> certificates, List<AcmeChallenge> challenges) {

    private static final Comparator<Route> BY_NAME = Comparator.comparing(Route::name);
    private static final Comparator<Endpoints> BY_SERVICE = Comparator.comparing(Endpoints::service);
    private static final Comparator<TlsCertificate> BY_CERTIFICATE = Comparator.comparing(TlsCertificate::name);
    private static final Comparator<AcmeChallenge> BY_TOKEN = Comparator.comparing(AcmeChallenge::token);

    public Snapshot {
        Objects.requireNonNull(version, "version");
        routes = sortedCopy(routes, BY_NAME);
        endpoints = sortedCopy(endpoints, BY_SERVICE);
        certificates = certificates == null ? List.of() : sortedCopy(certificates, BY_CERTIFICATE);
        challenges = challenges == null ? List.of() : sortedCopy(challenges, BY_TOKEN);
    }

    /** A snapshot without challenges. */
    public Snapshot(String version, List<Route> routes, List<Endpoints> endpoints,
                    List<TlsCertificate> certificates) {
        this(version, routes, endpoints, certificates, List.of());
    }

    /** A snapshot without certificates. */
    public Snapshot(String version, List<Route> routes, List<Endpoints> endpoints) {
        this(version, routes, endpoints, List.of(), List.of());
    }

    /** The empty snapshot: no routes, no endpoints. */
    public static Snapshot empty() {
        return of(List.of(), List.of());
    }

    /** A snapshot of {@code routes} and {@code endpoints}, versioned by their content. */
    public static Snapshot of(List<Route> routes, List<Endpoints> endpoints) {
        return of(routes, endpoints, SnapshotVersions.UNCACHED);
    }

    /** The same, with a caller-supplied (typically caching) hash of each item. */
    public static Snapshot of(List<Route> routes, List<Endpoints> endpoints, Function<Object, String> itemHash) {
        return of(routes, endpoints, List.of(), itemHash);
    }

    /** A snapshot of routes, endpoints and certificates, versioned by their content. */
    public static Snapshot of(List<Route> routes, List<Endpoints> endpoints, List<TlsCertificate> certificates,
                              Function<Object, String> itemHash) {
        List<Route> sortedRoutes = sortedCopy(routes, BY_NAME);
        List<Endpoints> sortedEndpoints = sortedCopy(endpoints, BY_SERVICE);
        List<TlsCertificate> sortedCertificates = sortedCopy(certificates, BY_CERTIFICATE);
        return new Snapshot(SnapshotVersions.versionOf(sortedRoutes, sortedEndpoints, sortedCertificates, itemHash),
                sortedRoutes, sortedEndpoints, sortedCertificates, List.of());
    }

    /** This snapshot with {@code challenges} instead of its own, versioned by its new content. */
    public Snapshot withChallenges(List<AcmeChallenge> newChallenges) {
        Snapshot unversioned = new Snapshot("", routes, endpoints, certificates, newChallenges);
        return new Snapshot(SnapshotVersions.versionOf(unversioned), routes, endpoints, certificates, newChallenges);
    }

    /** The challenge for {@code token}, if this snapshot carries one. */
    public java.util.Optional<AcmeChallenge> challenge(String token) {
        return challenges.stream().filter(c -> c.token().equals(token)).findFirst();
    }

    /** Whether {@link #version()} is the hash of this content (a snapshot from the wire should be checked). */
    public boolean hasConsistentVersion() {
        return version.equals(SnapshotVersions.versionOf(this));
    }

    private static <T> List<T> sortedCopy(List<T> items, Comparator<T> order) {
        for (int i = 1; i < items.size(); i++) {
            if (order.compare(items.get(i - 1), items.get(i)) > 0) {
                return items.stream().sorted(order).toList();
            }
        }
        return List.copyOf(items); // already sorted: kept as is (List.copyOf does not copy an immutable list)
    }
}
