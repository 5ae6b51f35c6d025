package dev.ballast.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Parsers for setting values; each throws {@link IllegalArgumentException} with a message that quotes the input. */
public final class ValueParsers {

    private ValueParsers() {
    }

    public static String text(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return value.trim();
    }

    public static boolean bool(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("\"" + value + "\" is not a boolean (expected true or false)");
        };
    }

    public static Function<String, Integer> intIn(int min, int max) {
        return value -> {
            int n;
            try {
                n = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + value + "\" is not a whole number", e);
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(n + " is out of range (" + min + "-" + max + ")");
            }
            return n;
        };
    }

    public static Path path(String value) {
        return Path.of(text(value));
    }

    /** An {@code http://} or {@code https://} URL with a host. */
    public static URI httpUrl(String value) {
        try {
            URI uri = new URI(value.trim());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("\"" + value + "\" is not an http:// or https:// URL with a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("\"" + value + "\" is not a URL: " + e.getReason(), e);
        }
    }

    /** A comma-separated list, each element parsed by {@code element}; empty elements are skipped. */
    public static <T> Function<String, List<T>> listOf(Function<String, T> element) {
        return value -> {
            List<T> out = new ArrayList<>();
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    out.add(element.apply(part.trim()));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("\"" + value + "\" is an empty list");
            }
            return List.copyOf(out);
        };
    }

    /** A list separated by spaces (or commas), as HAProxy's {@code compression algo/type} lines are written. */
    public static <T> Function<String, List<T>> words(Function<String, T> element) {
        return value -> {
            List<T> out = new ArrayList<>();
            for (String part : value.split("[\\s,]+")) {
                if (!part.isBlank()) {
                    out.add(element.apply(part));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("\"" + value + "\" is an empty list");
            }
            return List.copyOf(out);
        };
    }

    /** One of {@code allowed}, case-insensitively (the result is lower case). */
    public static Function<String, String> oneOf(String... allowed) {
        List<String> known = List.of(allowed);
        return value -> {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (!known.contains(v)) {
                throw new IllegalArgumentException("\"" + value + "\" is not one of " + String.join(", ", known));
            }
            return v;
        };
    }

    /** A media type without parameters, {@code type/subtype} (lower case); {@code text/*} is allowed. */
    public static String mediaType(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!v.matches("[a-z0-9][a-z0-9!#$&^_.+-]*/(\\*|[a-z0-9][a-z0-9!#$&^_.+-]*)")) {
            throw new IllegalArgumentException("\"" + value + "\" is not a media type (type/subtype)");
        }
        return v;
    }
}
