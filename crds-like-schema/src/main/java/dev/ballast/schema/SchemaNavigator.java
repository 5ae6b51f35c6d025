package dev.ballast.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Finds the subschema that governs a position in a route document, following {@code properties}, {@code items},
 * map-valued {@code additionalProperties} and local {@code $ref}s. Used to phrase errors (which names are known here,
 * what range a number must be in) and to generate the README's field reference.
 */
final class SchemaNavigator {

    private final JsonNode root;

    SchemaNavigator(JsonNode root) {
        this.root = root;
    }

    /** The effective subschema at {@code path}, or a missing node when the schema says nothing about it. */
    JsonNode at(FieldPath path) {
        JsonNode node = resolve(root);
        for (Object segment : path.segments()) {
            if (node.isMissingNode()) {
                return node;
            }
            if (segment instanceof Integer) {
                node = resolve(node.path("items"));
            } else if (node.path("properties").has((String) segment)) {
                node = resolve(node.path("properties").path((String) segment));
            } else {
                node = resolve(node.path("additionalProperties"));
            }
        }
        return node;
    }

    /** Property names declared by the object schema at {@code path}. */
    List<String> propertyNames(FieldPath path) {
        List<String> names = new ArrayList<>();
        at(path).path("properties").propertyNames().forEach(names::add);
        return names;
    }

    /**
     * A {@code $ref} replaced by its target, with the referring node's own keywords (description, default, x-label)
     * laid over it.
     */
    JsonNode resolve(JsonNode node) {
        if (!node.isObject() || !node.has("$ref")) {
            return node;
        }
        String ref = node.get("$ref").asString();
        if (!ref.startsWith("#/")) {
            throw new IllegalStateException("only local $refs are supported: " + ref);
        }
        JsonNode target = root;
        for (String part : ref.substring(2).split("/")) {
            target = target.path(part);
        }
        ObjectNode merged = ((ObjectNode) resolve(target)).deepCopy();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getKey().equals("$ref")) {
                merged.set(e.getKey(), e.getValue());
            }
        }
        return merged;
    }

    JsonNode root() {
        return root;
    }
}
