package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the controller sends a replica that pulls: the full snapshot, or the changes from the version the replica has
 * (a delta). One JSON object either way: {@code version} is the new version; a delta also names its
 * {@code baseVersion} and the removed route and endpoint names, and carries only the added or changed items in
 * {@code routes} and {@code endpoints}.
 *
 * @param version the version this update leads to
 * @param baseVersion the version a delta applies to; {@code null} for a full snapshot
 * @param routes every route (full) or the added and changed ones (delta)
 * @param endpoints every endpoints item (full) or the added and changed ones (delta)
 * @param removedRoutes names of routes removed since {@code baseVersion} (delta only)
 * @param removedEndpoints services whose endpoints were removed since {@code baseVersion} (delta only)
 * @param certificates every certificate (full) or the added and changed ones (delta)
 * @param removedCertificates names of certificates removed since {@code baseVersion} (delta only)
 * @param challenges every ACME challenge of the new version, in a delta too: there are few, and they come and go
 */
public record SnapshotUpdate(String version, String baseVersion, List<Route> routes, List<Endpoints> endpoints,
                             List<String> removedRoutes, List<String> removedEndpoints,
                             List<TlsCertificate> certificates, List<String> removedCertificates,
                             List<AcmeChallenge> challenges) {

    public SnapshotUpdate {
        Objects.requireNonNull(version, "version");
        routes = routes == null ? List.of() : List.copyOf(routes);
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        removedRoutes = removedRoutes == null ? List.of() : List.copyOf(removedRoutes);
        removedEndpoints = removedEndpoints == null ? List.of() : List.copyOf(removedEndpoints);
        certificates = certificates == null ? List.of() : List.copyOf(certificates);
        removedCertificates = removedCertificates == null ? List.of() : List.copyOf(removedCertificates);
        challenges = challenges == null ? List.of() : List.copyOf(challenges);
    }

    /** The whole snapshot. */
    public static SnapshotUpdate full(Snapshot snapshot) {
        return new SnapshotUpdate(snapshot.version(), null, snapshot.routes(), snapshot.endpoints(), null, null,
                snapshot.certificates(), null, snapshot.challenges());
    }

    /** The changes that turn {@code from} into {@code to}. */
    public static SnapshotUpdate delta(Snapshot from, Snapshot to) {
        Map<String, Route> oldRoutes = new HashMap<>();
        from.routes().forEach(r -> oldRoutes.put(r.name(), r));
        Map<String, Endpoints> oldEndpoints = new HashMap<>();
        from.endpoints().forEach(e -> oldEndpoints.put(e.service(), e));
        List<Route> routes = new ArrayList<>();
        for (Route r : to.routes()) {
            if (!r.equals(oldRoutes.remove(r.name()))) {
                routes.add(r);
            }
        }
        List<Endpoints> endpoints = new ArrayList<>();
        for (Endpoints e : to.endpoints()) {
            if (!e.equals(oldEndpoints.remove(e.service()))) {
                endpoints.add(e);
            }
        }
        Map<String, TlsCertificate> oldCertificates = new HashMap<>();
        from.certificates().forEach(c -> oldCertificates.put(c.name(), c));
        List<TlsCertificate> certificates = new ArrayList<>();
        for (TlsCertificate c : to.certificates()) {
            if (!c.equals(oldCertificates.remove(c.name()))) {
                certificates.add(c);
            }
        }
        return new SnapshotUpdate(to.version(), from.version(), routes, endpoints,
                oldRoutes.keySet().stream().sorted().toList(), oldEndpoints.keySet().stream().sorted().toList(),
                certificates, oldCertificates.keySet().stream().sorted().toList(), to.challenges());
    }

    @JsonIgnore
    public boolean isDelta() {
        return baseVersion != null;
    }

    /**
     * The snapshot this update leads to. A delta applies only on top of its base version; the result must hash to
     * {@link #version()}, so an update damaged on the way (or a bug) is refused instead of served.
     *
     * @param current the snapshot in force (ignored for a full update)
     * @throws IllegalArgumentException when a delta's base is not {@code current}, or the result's content does not
     *     match the version
     */
    public Snapshot applyTo(Snapshot current) {
        Snapshot result;
        if (!isDelta()) {
            result = new Snapshot(version, routes, endpoints, certificates, challenges);
        } else {
            if (current == null || !current.version().equals(baseVersion)) {
                throw new IllegalArgumentException("delta from " + baseVersion + " cannot apply to "
                        + (current == null ? "no snapshot" : current.version()));
            }
            Map<String, Route> merged = new LinkedHashMap<>();
            current.routes().forEach(r -> merged.put(r.name(), r));
            removedRoutes.forEach(merged::remove);
            routes.forEach(r -> merged.put(r.name(), r));
            Map<String, Endpoints> mergedEndpoints = new LinkedHashMap<>();
            current.endpoints().forEach(e -> mergedEndpoints.put(e.service(), e));
            removedEndpoints.forEach(mergedEndpoints::remove);
            endpoints.forEach(e -> mergedEndpoints.put(e.service(), e));
            Map<String, TlsCertificate> mergedCertificates = new LinkedHashMap<>();
            current.certificates().forEach(c -> mergedCertificates.put(c.name(), c));
            removedCertificates.forEach(mergedCertificates::remove);
            certificates.forEach(c -> mergedCertificates.put(c.name(), c));
            result = new Snapshot(version, new ArrayList<>(merged.values()), new ArrayList<>(mergedEndpoints.values()),
                    new ArrayList<>(mergedCertificates.values()), challenges);
        }
        if (!result.hasConsistentVersion()) {
            throw new IllegalArgumentException("content does not match version " + version + " (it hashes to "
                    + SnapshotVersions.versionOf(result) + ")");
        }
        return result;
    }
}
