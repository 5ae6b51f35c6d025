package dev.ballast.dataplane.exchange;

import dev.ballast.schema.Rule;
import java.util.List;

/**
 * A rule's path rewrites, compiled once when the routing table is built, so the request path compiles and looks up
 * nothing. Immutable.
 */
public final class TargetRewrite {

    /** No rewrite: the target goes as it came. */
    public static final TargetRewrite NONE = new TargetRewrite(List.of());

    private final List<PathRewrite> steps;

    private TargetRewrite(List<PathRewrite> steps) {
        this.steps = steps;
    }

    public static TargetRewrite compile(List<Rule.Rewrite> rewrites) {
        return rewrites.isEmpty() ? NONE : new TargetRewrite(rewrites.stream().map(PathRewrite::of).toList());
    }

    /** The request target with the rewrites applied to its path, in order; the query string is kept. */
    public String apply(String target) {
        if (steps.isEmpty()) {
            return target;
        }
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        for (int i = 0; i < steps.size(); i++) { // no iterator: this runs for every request of a rewriting rule
            path = steps.get(i).apply(path);
        }
        if (path.isEmpty() || path.charAt(0) != '/') {
            path = "/" + path; // a rewrite may not take the path out of origin form
        }
        return query < 0 ? path : path + target.substring(query);
    }
}
