package dev.ballast.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * A position inside a route document: {@code spec.rules[0].port} for people, {@code /spec/rules/0/port} (a JSON
 * pointer) for looking up line numbers.
 *
 * @param segments property names ({@link String}) and array indexes ({@link Integer})
 */
public record FieldPath(List<Object> segments) {

    public static final FieldPath ROOT = new FieldPath(List.of());

    public FieldPath {
        segments = List.copyOf(segments);
    }

    public static FieldPath of(Object... segments) {
        return new FieldPath(List.of(segments));
    }

    public FieldPath child(String name) {
        return append(name);
    }

    public FieldPath index(int i) {
        return append(i);
    }

    private FieldPath append(Object segment) {
        List<Object> next = new ArrayList<>(segments);
        next.add(segment);
        return new FieldPath(next);
    }

    public boolean startsWith(FieldPath prefix) {
        return segments.size() >= prefix.segments.size()
                && segments.subList(0, prefix.segments.size()).equals(prefix.segments);
    }

    /** {@code spec.rules[0].port}; the root is {@code (document)}. */
    public String dotted() {
        if (segments.isEmpty()) {
            return "(document)";
        }
        StringBuilder out = new StringBuilder();
        for (Object segment : segments) {
            if (segment instanceof Integer i) {
                out.append('[').append(i).append(']');
            } else {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(segment);
            }
        }
        return out.toString();
    }

    /** The JSON pointer, {@code /spec/rules/0/port}; the root is the empty string. */
    public String pointer() {
        StringBuilder out = new StringBuilder();
        for (Object segment : segments) {
            out.append('/').append(segment.toString().replace("~", "~0").replace("/", "~1"));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return dotted();
    }
}
