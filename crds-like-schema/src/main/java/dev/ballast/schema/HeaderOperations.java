package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Header changes: {@code add} keeps existing values, {@code set} replaces them, {@code remove} drops them. */
public record HeaderOperations(Map<String, String> add, Map<String, String> set, List<String> remove) {

    public static final HeaderOperations NONE = new HeaderOperations(null, null, null);

    public HeaderOperations {
        add = copy(add);
        set = copy(set);
        remove = remove == null ? List.of() : List.copyOf(remove);
    }

    @JsonIgnore // derived, not part of the resource
    public boolean isEmpty() {
        return add.isEmpty() && set.isEmpty() && remove.isEmpty();
    }

    // Insertion order is kept: headers are added in the order the user wrote them.
    private static Map<String, String> copy(Map<String, String> map) {
        return map == null || map.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
