package dev.ballast.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The Route API reference generated from {@code route.schema.json}: one row per field with its type, default,
 * Docker Flow label and description. The README carries this table verbatim between markers, and a test fails when
 * the two differ, so documentation cannot drift from the schema.
 */
public final class SchemaReference {

    /** Marks the start of the generated table in the README. */
    public static final String BEGIN = "<!-- route-api-reference:begin (generated from route.schema.json; do not edit) -->";
    /** Marks its end. */
    public static final String END = "<!-- route-api-reference:end -->";

    private SchemaReference() {
    }

    /** One documented field. */
    public record Row(String field, String type, String defaultValue, boolean required, String label,
                      String description) {
    }

    public static List<Row> rows(RouteSchema schema) {
        List<Row> rows = new ArrayList<>();
        SchemaNavigator navigator = schema.navigator();
        walk(navigator, navigator.resolve(schema.tree()), "", rows);
        return rows;
    }

    /** The Markdown table, between {@link #BEGIN} and {@link #END}. */
    public static String markdown(RouteSchema schema) {
        StringBuilder out = new StringBuilder(BEGIN).append('\n');
        out.append("| field | type | default | Docker Flow label | description |\n");
        out.append("|---|---|---|---|---|\n");
        for (Row row : rows(schema)) {
            out.append("| `").append(row.field()).append('`').append(row.required() ? " (required)" : "")
                    .append(" | ").append(row.type())
                    .append(" | ").append(row.defaultValue().isEmpty() ? "" : "`" + row.defaultValue() + "`")
                    .append(" | ").append(row.label().isEmpty() ? "" : "`" + row.label().replace(", ", "`, `") + "`")
                    .append(" | ").append(row.description().replace("|", "\\|"))
                    .append(" |\n");
        }
        return out.append(END).append('\n').toString();
    }

    private static void walk(SchemaNavigator navigator, JsonNode node, String prefix, List<Row> rows) {
        JsonNode properties = node.path("properties");
        List<String> required = new ArrayList<>();
        node.path("required").forEach(r -> required.add(r.asString()));
        for (Map.Entry<String, JsonNode> e : properties.properties()) {
            JsonNode field = navigator.resolve(e.getValue());
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            rows.add(new Row(path, typeOf(navigator, field), field.has("default") ? defaultOf(field.get("default")) : "",
                    required.contains(e.getKey()), field.path("x-label").asString(""),
                    field.path("description").asString("")));
            if (field.path("type").asString("").equals("object") && field.has("properties")) {
                walk(navigator, field, path, rows);
            } else if (field.path("type").asString("").equals("array")) {
                JsonNode items = navigator.resolve(field.path("items"));
                if (items.has("properties")) {
                    walk(navigator, items, path + "[]", rows);
                }
            }
        }
    }

    private static String typeOf(SchemaNavigator navigator, JsonNode field) {
        String type = field.path("type").asString("");
        if (field.has("enum")) {
            List<String> values = new ArrayList<>();
            field.get("enum").forEach(v -> values.add(v.isString() ? v.asString() : v.toString()));
            return String.join(" \\| ", values);
        }
        if (type.equals("array")) {
            JsonNode items = navigator.resolve(field.path("items"));
            return "list of " + (items.has("properties") ? "objects" : simple(items));
        }
        if (type.equals("object") && field.has("additionalProperties") && field.get("additionalProperties").isObject()) {
            return "map of header name to value";
        }
        return simple(field);
    }

    private static String simple(JsonNode field) {
        if (field.has("title") && !field.path("type").asString("").equals("object")) {
            return field.get("title").asString();
        }
        return switch (field.path("type").asString("")) {
            case "integer" -> "integer";
            case "boolean" -> "boolean";
            case "object" -> "object";
            default -> "string";
        };
    }

    private static String defaultOf(JsonNode value) {
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(v -> items.add(v.asString()));
            return "[" + String.join(", ", items) + "]";
        }
        return value.asString();
    }
}
