package dev.ballast.schema;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The whole routing state a dataplane needs: every route and the endpoints of every service they refer to.
 *
 * <p>The version is a content hash of the canonical JSON of routes and endpoints (see {@link SnapshotVersions}), so
 * the same state has the same version in any controller process. Routes are kept sorted by name and endpoints by
 * service, which makes the canonical form independent of the order in which sources produced them.
 *
 * @param version the content hash
 * @param routes every route, sorted by name
 * @param endpoints the endpoints of every service, sorted by service name
 */
public record Snapshot(String version, List<Route> routes, List<Endpoints> endpoints) {

    public Snapshot {
        Objects.requireNonNull(version, "version");
        routes = routes.stream().sorted(Comparator.comparing(Route::name)).toList();
        endpoints = endpoints.stream().sorted(Comparator.comparing(Endpoints::service)).toList();
    }

    /** A snapshot of {@code routes} and {@code endpoints}, versioned by their content. */
    public static Snapshot of(List<Route> routes, List<Endpoints> endpoints) {
        Snapshot unversioned = new Snapshot("", routes, endpoints);
        return new Snapshot(SnapshotVersions.versionOf(unversioned), unversioned.routes(), unversioned.endpoints());
    }
}
