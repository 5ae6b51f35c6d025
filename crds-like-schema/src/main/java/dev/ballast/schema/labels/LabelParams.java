package dev.ballast.schema.labels;

import dev.ballast.config.Durations;
import dev.ballast.config.Suggestions;
import dev.ballast.schema.FieldPath;
import dev.ballast.schema.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Docker Flow parameters of one service, by name and destination index, with typed readers that record a
 * problem naming the label instead of throwing, and a record of which label each Route field came from.
 *
 * <p>Not thread-safe; one instance per translation.
 */
final class LabelParams {

    /** One label: its full name as the user wrote it, and its value. */
    record Value(String label, String text) {
    }

    private static final Pattern INDEXED = Pattern.compile("^(.+)\\.([0-9]+)$");

    private final String prefix;
    private final String separator;
    /** canonical parameter name → index (0 = un-indexed) → value */
    private final Map<String, Map<Integer, Value>> params = new HashMap<>();
    private final List<Problem> errors = new ArrayList<>();
    private final List<Problem> warnings = new ArrayList<>();
    /** Which label each field came from; longest prefix wins when mapping a field path back. */
    private final Map<FieldPath, String> provenance = new LinkedHashMap<>(); // in the order recorded
    /** The parameters the translation asked for, at any index: a label never asked for would be ignored in silence. */
    private final java.util.Set<String> read = new java.util.HashSet<>();
    /** The last destination index read; labels beyond it are reported by {@link #warnAboutUnusedIndexes}. */
    private int lastIndex = Integer.MAX_VALUE;

    private LabelParams(String prefix, String separator) {
        this.prefix = prefix;
        this.separator = separator;
    }

    /**
     * The {@code com.df.*} labels of a service. Other labels are not Docker Flow's business and are passed over;
     * the opt-in label itself is not a routing parameter.
     */
    static LabelParams fromLabels(Map<String, String> labels, String notifyKey, String separator) {
        LabelParams p = new LabelParams(DockerFlowLabels.PREFIX, separator);
        new TreeMap<>(labels).forEach((key, value) -> {
            if (key.startsWith(DockerFlowLabels.PREFIX) && !key.equals(notifyKey)) {
                p.add(key, key.substring(DockerFlowLabels.PREFIX.length()), value == null ? "" : value);
            }
        });
        return p;
    }

    /** Push-API query parameters, named without the {@code com.df.} prefix. */
    static LabelParams fromParameters(Map<String, String> parameters, String separator) {
        LabelParams p = new LabelParams("", separator);
        new TreeMap<>(parameters).forEach((key, value) -> p.add(key, key, value == null ? "" : value));
        return p;
    }

    private void add(String label, String name, String value) {
        int index = 0;
        String param = name;
        Matcher m = INDEXED.matcher(name);
        if (m.matches()) {
            param = m.group(1);
            try {
                index = Integer.parseInt(m.group(2));
            } catch (NumberFormatException e) {
                warning(label, "ignored: index " + m.group(2) + " is out of range (1-" + DockerFlowLabels.MAX_INDEX + ")");
                return;
            }
        }
        if (DockerFlowLabels.isMonitorLabel(param)) {
            return;
        }
        Optional<String> canonical = DockerFlowLabels.canonical(param);
        if (canonical.isEmpty()) {
            warning(label, "unknown label, ignored" + Suggestions.didYouMean(param, DockerFlowLabels.all())
                    .replace("did you mean \"", "did you mean \"" + prefix));
            return;
        }
        param = canonical.get();
        String reason = DockerFlowLabels.HAPROXY_ONLY.get(param);
        if (reason != null) {
            warning(label, "unsupported (HAProxy-specific), ignored: " + reason);
            return;
        }
        if (DockerFlowLabels.NOT_FOR_THE_PROXY.contains(param) || DockerFlowLabels.READ_BY_THE_CONTROLLER.contains(param)) {
            return;
        }
        if (index != 0 && !DockerFlowLabels.DESTINATION.contains(param)) {
            warning(label, "ignored: " + prefix + param + " applies to the whole service and takes no index");
            return;
        }
        if (index == 0 && m.matches() || index > DockerFlowLabels.MAX_INDEX) {
            warning(label, "ignored: destination indexes run from 1 to " + DockerFlowLabels.MAX_INDEX);
            return;
        }
        params.computeIfAbsent(param, k -> new HashMap<>()).put(index, new Value(label, value));
    }

    /** The un-indexed value. */
    Optional<Value> get(String param) {
        read.add(param);
        return Optional.ofNullable(params.getOrDefault(param, Map.of()).get(0));
    }

    /** The value for destination {@code index}, falling back to the un-indexed one as Docker Flow does. */
    Optional<Value> get(String param, int index) {
        read.add(param);
        Map<Integer, Value> byIndex = params.getOrDefault(param, Map.of());
        Value exact = byIndex.get(index);
        return Optional.ofNullable(exact != null ? exact : byIndex.get(0));
    }

    /** Whether {@code param.index} itself is set (no fallback). */
    boolean hasExactly(String param, int index) {
        return params.getOrDefault(param, Map.of()).containsKey(index);
    }

    /** The label name for a parameter at an index, as a user would write it. */
    String labelName(String param, int index) {
        return prefix + param + (index == 0 ? "" : "." + index);
    }

    /** Warns about indexed labels beyond the last destination read. */
    void warnAboutUnusedIndexes(int lastIndex) {
        this.lastIndex = lastIndex;
        params.forEach((param, byIndex) -> byIndex.forEach((index, value) -> {
            if (index > lastIndex) {
                warning(value.label(), "ignored: destinations stop at the first index without "
                        + "servicePath, port, serviceDomain or httpsPort (" + (lastIndex + 1) + ")");
            }
        }));
    }

    /**
     * Warns about every label that the translation never asked for (beyond those {@link #warnAboutUnusedIndexes}
     * reported): a known name that shapes no route field must not be ignored in silence. Called once, at the end.
     */
    void warnAboutUnread() {
        new TreeMap<>(params).forEach((param, byIndex) -> {
            if (!read.contains(param)) {
                new TreeMap<>(byIndex).forEach((index, value) -> {
                    if (index <= lastIndex) {
                        warning(value.label(), "ignored: Ballast does not use this label");
                    }
                });
            }
        });
    }

    // ---- typed readers: a bad value records an error naming the label and reads as empty ----

    Optional<Integer> port(Optional<Value> value) {
        return integer(value, 1, 65535, "a port");
    }

    Optional<Integer> integer(Optional<Value> value, int min, int max, String what) {
        return parse(value, text -> {
            int n;
            try {
                n = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not " + what + " (" + min + "-" + max + ")");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(n + " is not " + what + " (" + min + "-" + max + ")");
            }
            return n;
        });
    }

    /** Go's {@code strconv.ParseBool}, which Docker Flow used: 1, t, true, 0, f, false in any case. */
    Optional<Boolean> bool(Optional<Value> value) {
        return parse(value, text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "1", "t", "true" -> true;
            case "0", "f", "false" -> false;
            default -> throw new IllegalArgumentException("\"" + text + "\" is not true or false");
        });
    }

    boolean isTrue(Optional<Value> value) {
        return bool(value).orElse(false);
    }

    /** A Docker Flow duration: seconds as a bare number, or Ballast's {@code 500ms}/{@code 30s}/{@code 5m} forms. */
    Optional<Duration> duration(Optional<Value> value) {
        return parse(value, Durations::parse);
    }

    /** The values of a list label, trimmed, empty ones dropped. */
    List<String> list(Optional<Value> value) {
        if (value.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String part : value.get().text().split(Pattern.quote(separator))) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    <T> Optional<T> parse(Optional<Value> value, Function<String, T> parser) {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(parser.apply(value.get().text())); // null: the value asks for nothing
        } catch (IllegalArgumentException e) {
            error(value.get().label(), e.getMessage());
            return Optional.empty();
        }
    }

    // ---- problems and provenance ----

    void error(String label, String message) {
        errors.add(Problem.error(label, message));
    }

    void warning(String label, String message) {
        warnings.add(Problem.warning(label, message));
    }

    List<Problem> errors() {
        return List.copyOf(errors);
    }

    List<Problem> warnings() {
        return List.copyOf(warnings);
    }

    /** Records that {@code field} was set from {@code value}'s label. */
    void from(FieldPath field, Optional<Value> value) {
        value.ifPresent(v -> provenance.put(field, v.label()));
    }

    /**
     * The label a field came from: the one recorded for the longest prefix of {@code field}, else (a field made of
     * parts from several labels, such as a rule's {@code redirect}) one recorded for a part of it.
     */
    Optional<String> labelOf(FieldPath field) {
        FieldPath best = null;
        FieldPath part = null;
        for (FieldPath candidate : provenance.keySet()) {
            if (field.startsWith(candidate) && (best == null || candidate.segments().size() > best.segments().size())) {
                best = candidate;
            } else if (part == null && candidate.startsWith(field)) {
                part = candidate;
            }
        }
        return Optional.ofNullable(best != null ? best : part).map(provenance::get);
    }
}
