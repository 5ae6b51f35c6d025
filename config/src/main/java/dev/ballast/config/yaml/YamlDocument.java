package dev.ballast.config.yaml;

import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One YAML document with the line of every value in it.
 *
 * @param root the document's tree
 * @param index the document's position in its file, from 0
 * @param startLine the line on which the document's content starts (1-based)
 * @param lines line of each value, keyed by JSON pointer ({@code /spec/rules/0/port}); for object members it is the
 *     line of the member's key, which is where a reader looks for it
 */
public record YamlDocument(JsonNode root, int index, int startLine, Map<String, Integer> lines) {

    public YamlDocument {
        lines = Map.copyOf(lines);
    }

    /** The line of the value at {@code pointer}, or of its nearest ancestor that has one. */
    public int lineOf(String pointer) {
        String p = pointer;
        while (true) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            if (p.isEmpty()) {
                return startLine;
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
    }
}
