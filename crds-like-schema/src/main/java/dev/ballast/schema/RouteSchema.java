package dev.ballast.schema;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import com.networknt.schema.path.NodePath;
import dev.ballast.config.Suggestions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Route JSON Schema ({@code route.schema.json}) and structural validation against it.
 *
 * <p>A standard validator finds the errors; this class phrases them for people. The validator's own messages are
 * written for schema authors ("must have a maximum value of 65535"); ours use the schema's {@code title}s and name
 * the nearest known field, e.g. {@code 70000 is not a port (1-65535)} or {@code unknown field (did you mean "paths"?)}.
 */
public final class RouteSchema {

    /** Where the schema lives on the classpath. */
    public static final String RESOURCE = "/dev/ballast/schema/route.schema.json";

    private static final RouteSchema INSTANCE = load();

    private final JsonNode schemaTree;
    private final Schema schema;
    private final SchemaNavigator navigator;

    private RouteSchema(JsonNode schemaTree) {
        this.schemaTree = schemaTree;
        // x-label documents the Docker Flow label of a field; it is annotation only, never validated.
        Dialect dialect = Dialect.builder(Dialects.getDraft202012()).keyword(new NonValidationKeyword("x-label")).build();
        this.schema = SchemaRegistry.withDefaultDialect(dialect).getSchema(schemaTree);
        this.navigator = new SchemaNavigator(schemaTree);
    }

    public static RouteSchema get() {
        return INSTANCE;
    }

    /** The schema document itself (read-only; do not modify). */
    public JsonNode tree() {
        return schemaTree;
    }

    SchemaNavigator navigator() {
        return navigator;
    }

    /** An error found in a document: where, and what. */
    public record Violation(FieldPath path, String message) {
    }

    /** Every structural error of {@code document}, one per position and message. */
    public List<Violation> validate(JsonNode document) {
        Set<Violation> out = new LinkedHashSet<>();
        for (Error error : schema.validate(document)) {
            out.add(describe(error, document));
        }
        return new ArrayList<>(out);
    }

    private Violation describe(Error error, JsonNode document) {
        FieldPath at = toFieldPath(error.getInstanceLocation());
        JsonNode value = document.at(at.pointer());
        JsonNode rules = navigator.at(at);
        String keyword = error.getKeyword() == null ? "" : error.getKeyword();
        switch (keyword) {
            case "required":
                return new Violation(at.child(error.getProperty()), "is required");
            case "additionalProperties":
                return new Violation(at.child(error.getProperty()), "unknown field"
                        + Suggestions.didYouMean(error.getProperty(), navigator.propertyNames(at)));
            case "type":
                return new Violation(at, "expected " + describeType(rules.path("type").asString())
                        + (rules.has("title") ? " (" + rules.get("title").asString() + ")" : "") + ", got " + show(value));
            case "enum": {
                List<String> allowed = new ArrayList<>();
                rules.path("enum").forEach(v -> allowed.add(v.isString() ? v.asString() : v.toString()));
                String hint = value.isString() ? Suggestions.didYouMean(value.asString(), allowed) : "";
                if (at.segments().size() == 1) {
                    // apiVersion or kind: the document is not a Route this version understands.
                    return new Violation(at, "unknown " + at.dotted() + " " + show(value) + " (expected "
                            + String.join(" or ", allowed) + ")" + hint);
                }
                return new Violation(at, show(value) + " is not one of " + String.join(", ", allowed) + hint);
            }
            case "minimum":
            case "maximum":
                return new Violation(at, value + (rules.has("title")
                        ? " is not a " + rules.get("title").asString()
                        : " is out of range") + " (" + rules.path("minimum").asString("…") + "-"
                        + rules.path("maximum").asString("…") + ")");
            case "pattern":
                return new Violation(at, show(value) + (rules.has("title")
                        ? " is not a " + rules.get("title").asString()
                        : " does not match " + rules.path("pattern").asString()));
            case "propertyNames":
                return new Violation(at.child(String.valueOf(error.getProperty())), show(error.getProperty())
                        + " is not a valid name here");
            case "minItems":
                return new Violation(at, rules.path("minItems").asInt() == 1 ? "must not be empty"
                        : "must have at least " + rules.path("minItems").asInt() + " items");
            case "minLength":
                return new Violation(at, "must not be empty");
            case "maxLength":
                return new Violation(at, "is longer than " + rules.path("maxLength").asInt() + " characters");
            case "uniqueItems":
                return new Violation(at, "has duplicate items");
            default:
                return new Violation(at, error.getMessage());
        }
    }

    private static FieldPath toFieldPath(NodePath path) {
        List<Object> segments = new ArrayList<>();
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            segments.add(element instanceof Number n ? Integer.valueOf(n.intValue()) : element.toString());
        }
        return new FieldPath(segments);
    }

    private static String describeType(String type) {
        return switch (type) {
            case "integer" -> "a whole number";
            case "string" -> "a string";
            case "boolean" -> "true or false";
            case "array" -> "a list";
            case "object" -> "a mapping";
            default -> type;
        };
    }

    /** A value as a user would recognise it: strings quoted, containers by kind. */
    static String show(Object value) {
        if (value instanceof JsonNode node) {
            if (node.isString()) {
                return "\"" + node.asString() + "\"";
            }
            if (node.isArray()) {
                return "a list";
            }
            if (node.isObject()) {
                return "a mapping";
            }
            if (node.isMissingNode()) {
                return "nothing";
            }
            return node.toString();
        }
        return "\"" + value + "\"";
    }

    private static RouteSchema load() {
        try (InputStream in = RouteSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return new RouteSchema(JsonMapper.builder().build().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
