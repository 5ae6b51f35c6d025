package dev.ballast.schema.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ballast.schema.Problem;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.RouteValidator;
import dev.ballast.schema.labels.LabelTranslation;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.TranslationOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whatever labels a Swarm service carries, {@link LabelTranslator#translateLabels} answers with a value and throws
 * nothing: a route that passes the same validation as a GitOps file, survives the JSON round trip and carries only
 * headers an HTTP message can ({@link RouteChecks}); or a reason; and every problem it reports, error or warning,
 * names a label ({@code com.df.*}, or one the service has), never a field of the route the user never wrote.
 *
 * <p>Input: text, one label a line, {@code name=value} (the first {@code =} splits); a name that does not start with
 * {@code com.} gets {@code com.df.} in front, and {@code com.df.notify=true} is added unless the text sets it, so the
 * fuzzer spends its time on the labels that make routes.
 */
class LabelTranslationFuzzTest {

    private static final LabelTranslator TRANSLATOR = new LabelTranslator(TranslationOptions.defaults());

    @FuzzTest(maxDuration = "12s")
    void serviceLabels(byte[] input) {
        Map<String, String> labels = labels(new String(input, StandardCharsets.UTF_8));
        LabelTranslation result = TRANSLATOR.translateLabels("stack_svc", labels);
        assertThat(result).isNotNull();
        assertThat(result.serviceName()).isEqualTo("stack_svc");
        List<Problem> problems = new ArrayList<>();
        if (result instanceof LabelTranslation.Translated translated) {
            Route route = translated.route();
            assertThat(RouteValidator.validate(route).violations()).as("a translated route's violations").isEmpty();
            assertThat(RouteJson.read(RouteJson.write(route), Route.class)).isEqualTo(route);
            assertThat(route.spec().rules()).isNotEmpty();
            RouteChecks.headersAnHttpMessageCanCarry(route);
            problems.addAll(translated.warnings());
        } else if (result instanceof LabelTranslation.Invalid invalid) {
            assertThat(invalid.errors()).as("an invalid translation's errors").isNotEmpty();
            problems.addAll(invalid.errors());
            problems.addAll(invalid.warnings());
        } else {
            assertThat(((LabelTranslation.NotOptedIn) result).reason()).isNotBlank();
        }
        for (Problem problem : problems) {
            assertThat(problem.field()).as("the label named by %s", problem).isNotNull()
                    .matches(field -> field.startsWith("com.df.") || labels.containsKey(field), "names a label");
            assertThat(problem.message()).as("the message of %s", problem).isNotBlank();
        }
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                String name = line.substring(0, eq);
                labels.put(name.startsWith("com.") ? name : "com.df." + name, line.substring(eq + 1));
            }
        }
        labels.putIfAbsent("com.df.notify", "true");
        labels.putIfAbsent("com.docker.stack.namespace", "stack");
        return labels;
    }
}
