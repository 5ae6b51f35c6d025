package dev.ballast.schema.labels;

import dev.ballast.schema.Problem;
import dev.ballast.schema.Route;
import java.util.List;

/** What a service's labels amount to. Never thrown: every outcome is one of these values. */
public sealed interface LabelTranslation {

    /** The Swarm service the labels belong to. */
    String serviceName();

    /** The service has not opted in (its notify label is missing or not {@code true}); it gets no route. */
    record NotOptedIn(String serviceName, String reason) implements LabelTranslation {
    }

    /** The service's route, with warnings about labels that were ignored or changed. */
    record Translated(String serviceName, Route route, List<Problem> warnings) implements LabelTranslation {
        public Translated {
            warnings = List.copyOf(warnings);
        }
    }

    /** The labels cannot make a valid route; each error names the label at fault. */
    record Invalid(String serviceName, String routeName, List<Problem> errors, List<Problem> warnings)
            implements LabelTranslation {
        public Invalid {
            errors = List.copyOf(errors);
            warnings = List.copyOf(warnings);
        }
    }
}
