package dev.ballast.controller.desired;

import dev.ballast.schema.Problem;
import dev.ballast.schema.labels.LabelTranslation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What one source item yielded: a candidate route, or a refusal (invalid labels), or nothing (not opted in).
 *
 * @param key the item's status key, unique across sources
 */
record Outcome(String key, Candidate candidate, RouteStatus refusal) {

    static final Outcome NONE = new Outcome(null, null, null);

    /** What a translation of labels or push parameters yields, as the item {@code origin} of {@code source}. */
    static Outcome of(LabelTranslation translation, String source, String origin, int rank, int index) {
        String key = Candidate.statusKey(source, origin);
        if (translation instanceof LabelTranslation.Translated t) {
            return new Outcome(key, new Candidate(t.route(), source, origin, rank, index, warnings(t.warnings())), null);
        }
        if (translation instanceof LabelTranslation.Invalid invalid) {
            List<Condition> conditions = new ArrayList<>();
            invalid.errors().forEach(p -> conditions.add(new Condition("Invalid", p.format())));
            conditions.addAll(warnings(invalid.warnings()));
            return new Outcome(key, null, new RouteStatus(invalid.routeName(), source, origin, false, conditions));
        }
        return NONE;
    }

    private static List<Condition> warnings(Collection<Problem> warnings) {
        return warnings.stream().map(w -> new Condition("Warning", w.field() + ": " + w.message())).toList();
    }
}
