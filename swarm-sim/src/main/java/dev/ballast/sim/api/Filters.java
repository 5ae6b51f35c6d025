package dev.ballast.sim.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code filters} query parameter: a JSON map from key to values, in the list form docker-java sends
 * ({@code {"name":["web"]}}) or the map form the docker CLI sends ({@code {"name":{"web":true}}}).
 */
final class Filters {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, List<String>> values;

    private Filters(Map<String, List<String>> values) {
        this.values = values;
    }

    /** Parses and checks the keys against those the endpoint accepts. */
    static Filters parse(String raw, Set<String> allowed) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (raw != null && !raw.isBlank()) {
            JsonNode tree;
            try {
                tree = JSON.readTree(raw);
            } catch (JacksonException e) {
                throw new ApiException(400, "invalid filter");
            }
            if (!tree.isObject()) {
                throw new ApiException(400, "invalid filter");
            }
            for (Map.Entry<String, JsonNode> e : tree.properties()) {
                if (!allowed.contains(e.getKey())) {
                    throw new ApiException(400, "invalid filter '" + e.getKey() + "'");
                }
                List<String> list = new ArrayList<>();
                if (e.getValue().isArray()) {
                    e.getValue().forEach(v -> list.add(v.asString()));
                } else if (e.getValue().isObject()) {
                    e.getValue().properties().forEach(v -> {
                        if (v.getValue().asBoolean(false)) {
                            list.add(v.getKey());
                        }
                    });
                } else {
                    throw new ApiException(400, "invalid filter");
                }
                values.put(e.getKey(), list);
            }
        }
        return new Filters(values);
    }

    boolean has(String key) {
        return values.containsKey(key) && !values.get(key).isEmpty();
    }

    List<String> get(String key) {
        return values.getOrDefault(key, List.of());
    }

    /** No filter on {@code key}, or {@code actual} equals one of its values. */
    boolean exact(String key, String actual) {
        return !has(key) || get(key).contains(actual);
    }

    /** No filter on {@code key}, or {@code actual} starts with one of its values. */
    boolean prefix(String key, String actual) {
        return !has(key) || get(key).stream().anyMatch(actual::startsWith);
    }

    /** No label filter, or every {@code k} / {@code k=v} matches {@code labels}. */
    boolean labels(String key, Map<String, String> labels) {
        for (String wanted : get(key)) {
            int eq = wanted.indexOf('=');
            if (eq < 0 ? !labels.containsKey(wanted) : !wanted.substring(eq + 1).equals(labels.get(wanted.substring(0, eq)))) {
                return false;
            }
        }
        return true;
    }
}
