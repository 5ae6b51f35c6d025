package dev.ballast.schema;

import java.util.Objects;

/**
 * A route resource, as written in GitOps files and carried in snapshots.
 *
 * @param apiVersion always {@link #API_VERSION}
 * @param kind always {@link #KIND}
 * @param metadata the route's name
 * @param spec what it matches and where it sends requests
 */
public record Route(String apiVersion, String kind, Metadata metadata, RouteSpec spec) {

    public static final String API_VERSION = "ballast.dev/v1alpha1";
    public static final String KIND = "Route";

    public Route {
        apiVersion = apiVersion == null ? API_VERSION : apiVersion;
        kind = kind == null ? KIND : kind;
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(spec, "spec");
    }

    public static Route of(String name, RouteSpec spec) {
        return new Route(API_VERSION, KIND, new Metadata(name), spec);
    }

    public String name() {
        return metadata.name();
    }

    /** The route's identity and nothing else. */
    public record Metadata(String name) {
        public Metadata {
            Objects.requireNonNull(name, "name");
        }
    }
}
