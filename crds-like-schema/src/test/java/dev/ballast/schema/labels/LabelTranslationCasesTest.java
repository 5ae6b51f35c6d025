package dev.ballast.schema.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.ballast.schema.Problem;
import dev.ballast.schema.RouteJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The table of label cases in {@code src/test/resources/labels/cases.yaml}; its header explains the format. */
class LabelTranslationCasesTest {

    static Stream<Arguments> cases() throws IOException {
        try (InputStream in = LabelTranslationCasesTest.class.getResourceAsStream("/labels/cases.yaml")) {
            JsonNode all = YAMLMapper.builder().build().readTree(in);
            List<Arguments> out = new ArrayList<>();
            all.forEach(c -> out.add(Arguments.of(c.get("name").asString(), c)));
            return out.stream();
        }
    }

    @Test
    void theTableIsLargeEnoughToCoverEveryLabelFamily() throws IOException {
        assertThat(cases().count()).isGreaterThanOrEqualTo(40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void translates(String name, JsonNode c) {
        LabelTranslation result = translate(c);
        if (c.has("notOptedIn")) {
            assertThat(result).isInstanceOfSatisfying(LabelTranslation.NotOptedIn.class,
                    r -> assertThat(r.reason()).isEqualTo(c.get("notOptedIn").asString()));
            return;
        }
        if (c.has("invalid")) {
            assertThat(result).as("expected Invalid").isInstanceOf(LabelTranslation.Invalid.class);
            LabelTranslation.Invalid invalid = (LabelTranslation.Invalid) result;
            assertThat(invalid.errors()).extracting(Problem::format).containsExactlyInAnyOrderElementsOf(texts(c.get("invalid")));
            assertThat(invalid.warnings()).extracting(Problem::format).containsExactlyInAnyOrderElementsOf(texts(c.path("warnings")));
            return;
        }
        if (!(result instanceof LabelTranslation.Translated translated)) {
            fail("expected a route, got " + result);
            return;
        }
        JsonNode route = RouteJson.toTree(translated.route());
        if (c.has("route")) {
            assertContains("", c.get("route"), route);
        }
        for (JsonNode pointer : c.path("absent")) {
            assertThat(route.at(pointer.asString()).isMissingNode()).as(pointer.asString() + " in " + route).isTrue();
        }
        assertThat(translated.warnings()).extracting(Problem::format).containsExactlyInAnyOrderElementsOf(texts(c.path("warnings")));
        assertThat(translated.warnings()).noneMatch(Problem::isError);
    }

    private static LabelTranslation translate(JsonNode c) {
        JsonNode o = c.path("options");
        TranslationOptions options = new TranslationOptions(o.path("notifyLabel").asString("com.df.notify"),
                o.path("separator").asString(","), o.path("httpsOnly").asBoolean(false));
        LabelTranslator translator = new LabelTranslator(options);
        return c.has("parameters")
                ? translator.translateParameters(strings(c.get("parameters")))
                : translator.translateLabels(c.path("service").asString("web"), strings(c.get("labels")));
    }

    /** {@code expected} is contained in {@code actual}: object members recursively, lists element by element. */
    static void assertContains(String at, JsonNode expected, JsonNode actual) {
        if (expected.isObject()) {
            assertThat(actual.isObject()).as(at + " is an object in " + actual).isTrue();
            for (Map.Entry<String, JsonNode> e : expected.properties()) {
                assertThat(actual.has(e.getKey())).as(at + "/" + e.getKey() + " present").isTrue();
                assertContains(at + "/" + e.getKey(), e.getValue(), actual.get(e.getKey()));
            }
        } else if (expected.isArray()) {
            assertThat(actual.isArray()).as(at + " is a list").isTrue();
            assertThat(actual.size()).as(at + " size in " + actual).isEqualTo(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertContains(at + "/" + i, expected.get(i), actual.get(i));
            }
        } else {
            assertThat(actual.asString()).as(at).isEqualTo(expected.asString());
        }
    }

    private static List<String> texts(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.asString()));
        return out;
    }

    private static Map<String, String> strings(JsonNode map) {
        Map<String, String> out = new LinkedHashMap<>();
        map.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString()));
        return out;
    }
}
