package dev.ballast.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The records and route.schema.json describe the same resource: same fields, everywhere, both ways. */
class SchemaAgreementTest {

    private final RouteSchema schema = RouteSchema.get();
    private final SchemaNavigator navigator = schema.navigator();

    @Test
    void everyRecordComponentIsASchemaPropertyAndViceVersa() {
        List<String> mismatches = new ArrayList<>();
        compare(Route.class, FieldPath.ROOT, mismatches);
        assertThat(mismatches).isEmpty();
    }

    private void compare(Class<?> type, FieldPath at, List<String> mismatches) {
        JsonNode node = navigator.at(at);
        Set<String> inSchema = new TreeSet<>(navigator.propertyNames(at));
        Set<String> inRecord = new TreeSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            inRecord.add(c.getName());
        }
        if (!inSchema.equals(inRecord)) {
            mismatches.add(at.dotted() + ": schema " + inSchema + " vs " + type.getSimpleName() + " " + inRecord);
        }
        for (RecordComponent c : type.getRecordComponents()) {
            Class<?> child = nestedRecord(c.getGenericType());
            if (child != null && inSchema.contains(c.getName())) {
                boolean list = List.class.isAssignableFrom(c.getType());
                compare(child, list ? at.child(c.getName()).index(0) : at.child(c.getName()), mismatches);
            }
        }
        assertThat(node.path("additionalProperties").asBoolean(true)).as(at.dotted() + " is closed").isFalse();
    }

    private static Class<?> nestedRecord(Type type) {
        if (type instanceof Class<?> c && c.isRecord()) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() == List.class
                && p.getActualTypeArguments()[0] instanceof Class<?> c && c.isRecord()) {
            return c;
        }
        return null;
    }

    @Test
    void everyFieldIsDocumented() {
        assertThat(SchemaReference.rows(schema)).hasSizeGreaterThan(50)
                .allSatisfy(row -> assertThat(row.description()).as(row.field()).isNotBlank());
    }

    @Test
    void durationsInTheSchemaUseTheParsersPattern() {
        assertThat(schema.tree().at("/$defs/duration/pattern").asString())
                .isEqualTo(dev.ballast.config.Durations.PATTERN);
    }

    @Test
    void schemaDefaultsAreWhatTheRecordsFillIn() {
        Route minimal = RouteLoader.parse("m.yaml", """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: m }
                spec:
                  service: m
                  healthCheck: { path: /h }
                  rules: [{ port: 80, redirect: {}, auth: { usersSecret: s }, rewrite: [{ search: x }] }]
                """)
                .routes().get(0).route();
        JsonNode tree = RouteJson.toTree(minimal);
        for (SchemaReference.Row row : SchemaReference.rows(schema)) {
            if (row.defaultValue().isEmpty()) {
                continue;
            }
            JsonNode actual = tree.at(pointerOf(row.field()));
            if (row.field().equals("spec.mode")) {
                // Defaults left out of the canonical form, so that versions of routes from before stay as they were.
                assertThat(actual.isMissingNode()).as(row.field()).isTrue();
                assertThat(minimal.spec().mode().name()).as(row.field()).isEqualTo(row.defaultValue());
                continue;
            }
            if (row.field().equals("spec.rules[].rawPath")) {
                assertThat(actual.isMissingNode()).as(row.field()).isTrue();
                assertThat(String.valueOf(minimal.spec().rules().get(0).rawPath())).as(row.field())
                        .isEqualTo(row.defaultValue());
                continue;
            }
            if (actual.isMissingNode()) {
                // Empty defaults ([] or "") are left out of the canonical form.
                assertThat(row.defaultValue()).as(row.field()).isIn("", "[]");
                continue;
            }
            String shown = actual.isArray() ? "[" + String.join(", ", texts(actual)) + "]" : actual.asString();
            assertThat(shown).as(row.field()).isEqualTo(row.defaultValue());
        }
    }

    private static String pointerOf(String field) {
        return "/" + field.replace("[]", ".0").replace('.', '/');
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    @Test
    void labelsInTheSchemaAreLabelsTheTranslatorKnows() {
        Map<String, String> labels = new java.util.HashMap<>();
        for (SchemaReference.Row row : SchemaReference.rows(schema)) {
            for (String label : row.label().split(",\\s*")) {
                if (label.startsWith("com.df.")) {
                    labels.put(label.replaceFirst("=.*", ""), row.field());
                }
            }
        }
        assertThat(labels).isNotEmpty();
        for (String label : labels.keySet()) {
            String name = label.substring("com.df.".length());
            assertThat(dev.ballast.schema.labels.DockerFlowLabels.isRoutingLabel(name)).as(label).isTrue();
        }
    }
}
