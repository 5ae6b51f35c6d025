package dev.ballast.schema;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Validates one route document in full: structure against the schema, then the semantic checks, then binding to a
 * {@link Route}. Every source of routes (files, labels, the push API) goes through here, so they all obey one set of
 * rules and produce the same messages.
 */
public final class RouteValidator {

    private RouteValidator() {
    }

    /**
     * The outcome: a route, or the reasons there is none.
     *
     * @param route the bound route, or {@code null} when {@code violations} is not empty
     */
    public record Result(Route route, List<RouteSchema.Violation> violations) {

        public Result {
            violations = List.copyOf(violations);
        }

        public boolean isValid() {
            return violations.isEmpty();
        }
    }

    public static Result validate(JsonNode document) {
        if (!document.isObject()) {
            return new Result(null, List.of(new RouteSchema.Violation(FieldPath.ROOT,
                    "expected a Route (a mapping with apiVersion, kind, metadata and spec), got "
                            + RouteSchema.show(document))));
        }
        if (!document.has("apiVersion") && !document.has("kind")) {
            // Most likely some other YAML (a compose file, a Kubernetes manifest): one clear line, not a dozen.
            return new Result(null, List.of(new RouteSchema.Violation(FieldPath.ROOT, "not a Route: it has no "
                    + "apiVersion or kind (expected apiVersion: " + Route.API_VERSION + " and kind: " + Route.KIND + ")")));
        }
        List<RouteSchema.Violation> structural = RouteSchema.get().validate(document);
        List<RouteSchema.Violation> identity = structural.stream().filter(RouteValidator::isIdentity).toList();
        if (!identity.isEmpty()) {
            // Another kind of resource: its fields mean something else, so reporting them would only mislead.
            return new Result(null, identity);
        }
        Route route;
        try {
            route = RouteJson.routeFromTree(document);
        } catch (JacksonException e) {
            if (!structural.isEmpty()) {
                return new Result(null, structural); // wrong types: the schema's messages say it all
            }
            // The schema and the records disagree: a bug of ours, reported rather than thrown at the user.
            return new Result(null, List.of(new RouteSchema.Violation(FieldPath.ROOT,
                    "internal error binding a schema-valid route: " + e.getOriginalMessage())));
        }
        return withSemantics(route, structural);
    }

    /**
     * Semantic checks run even when the structure has errors (as long as it binds), so that a user sees every
     * problem in one round; those at or under a structural error would only repeat it.
     */
    private static Result withSemantics(Route route, List<RouteSchema.Violation> structural) {
        List<RouteSchema.Violation> all = new ArrayList<>(structural);
        for (RouteSchema.Violation v : RouteSemantics.check(route)) {
            if (structural.stream().noneMatch(s -> v.path().startsWith(s.path()) || s.path().startsWith(v.path()))) {
                all.add(v);
            }
        }
        return all.isEmpty() ? new Result(route, List.of()) : new Result(null, all);
    }

    private static boolean isIdentity(RouteSchema.Violation v) {
        return v.path().equals(FieldPath.of("apiVersion")) || v.path().equals(FieldPath.of("kind"));
    }

    /** Validates a route built in code (from labels, say) by the same rules as one read from a file. */
    public static Result validate(Route route) {
        // The record is already bound; only its JSON form needs the schema (no second binding).
        return withSemantics(route, RouteSchema.get().validate(RouteJson.toTree(route)));
    }
}
