package dev.ballast.controller.desired;

import dev.ballast.schema.Route;
import java.util.Comparator;
import java.util.List;

/** A route proposed by one source item. Precedence: the source's rank, then the item's place in its source. */
record Candidate(Route route, String source, String origin, int rank, int index, List<Condition> warnings) {

    static final Comparator<Candidate> PRECEDENCE = Comparator.comparingInt(Candidate::rank)
            .thenComparingInt(Candidate::index).thenComparing(Candidate::origin);

    String name() {
        return route.name();
    }

    String service() {
        return route.spec().service();
    }

    String key() {
        return statusKey(source, origin);
    }

    /** The key of a source item's status: unique across sources ({@code swarm service web}, {@code gitops a.yaml:3}). */
    static String statusKey(String source, String origin) {
        return source + " " + origin;
    }
}
