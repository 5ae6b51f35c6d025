package dev.ballast.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.routing.RequestPath.Result;
import dev.ballast.dataplane.routing.RequestPath.Result.Normalized;
import dev.ballast.dataplane.routing.RequestPath.Result.Refused;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * For paths made of the pieces attacks are made of (dot segments, escaped dots, runs of slashes, encoded slashes,
 * backslashes, {@code ;} parameters, malformed escapes), a normalised path is canonical: normalising it again gives
 * the same String, it starts with {@code /} and holds no {@code //} and no dot segment, with or without parameters,
 * and no escape in it stands for an unreserved character. And {@link RequestPath} agrees with a reference built the
 * slow, obvious way: decode with a regular expression, refuse a {@code .} or {@code ..} segment followed by a
 * {@code ;}, merge slashes, then RFC 3986's remove_dot_segments as the RFC writes it, with its input and output
 * buffers; it reports an encoded slash where what is left holds {@code %2F}, {@code %5C} or {@code \}.
 */
class RequestPathProperties {

    private static final Pattern ESCAPE = Pattern.compile("%([0-9A-Fa-f]{2})");
    private static final Pattern DOTS_WITH_PARAMETERS = Pattern.compile("/\\.\\.?;");

    @Property(tries = 2000)
    void normalisingAgainChangesNothing(@ForAll("paths") String path) {
        Normalized once = normalized(path);
        assertThat(RequestPath.normalize(once.path())).isInstanceOfSatisfying(Normalized.class, twice -> {
            assertThat(twice.path()).as("the same String: canonical paths take the fast path").isSameAs(once.path());
            assertThat(twice.encodedSlash()).isEqualTo(once.encodedSlash());
        });
    }

    @Property(tries = 2000)
    void aNormalisedPathHasNoEmptyAndNoDotSegment(@ForAll("paths") String path) {
        String normalized = normalized(path).path();
        assertThat(normalized).startsWith("/").doesNotContain("//").doesNotContain("/./").doesNotContain("/../")
                .doesNotEndWith("/.").doesNotEndWith("/..").doesNotContain("/.;").doesNotContain("/..;");
    }

    @Property(tries = 2000)
    void noEscapeInANormalisedPathStandsForAnUnreservedCharacter(@ForAll("paths") String path) {
        String normalized = normalized(path).path();
        assertThat(decodeUnreserved(normalized)).isEqualTo(normalized);
        Matcher escapes = ESCAPE.matcher(normalized);
        while (escapes.find()) {
            assertThat(escapes.group(1)).as("hex digits in upper case")
                    .isEqualTo(escapes.group(1).toUpperCase(Locale.ROOT));
        }
    }

    @Property(tries = 5000)
    void agreesWithTheRfcAlgorithm(@ForAll("paths") String path) {
        Result result = RequestPath.normalize(path);
        String expected = reference(path);
        if (expected == null) {
            assertThat(result).as(path).isInstanceOf(Refused.class);
        } else {
            assertThat(result).as(path).isEqualTo(new Normalized(expected,
                    expected.contains("%2F") || expected.contains("%5C") || expected.contains("\\")));
        }
    }

    /** The path normalised; paths that are refused are left out (they are few: see {@link #paths()}). */
    private static Normalized normalized(String path) {
        Result result = RequestPath.normalize(path);
        Assume.that(result instanceof Normalized);
        return (Normalized) result;
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> pieces = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.of("/", "/", "/", "//")),
                Tuple.of(8, Arbitraries.of(".", "..", "%2e", "%2E", ".%2e", "%2E.", "%2e%2E")),
                Tuple.of(8, Arbitraries.of("a", "B", "seg", "~", "-", "_", ";v=1", ":", "@", "é", "\\", ";", ";x")),
                Tuple.of(6, Arbitraries.of("%41", "%61", "%7e", "%7E", "%2d", "%5F", "%30")),
                Tuple.of(6, Arbitraries.of("%2f", "%2F", "%5c", "%5C", "%20", "%c3%a9", "%25", "%3F", "%ff")),
                Tuple.of(1, Arbitraries.of("%", "%4", "%zz", "%00", "\t", "\u007f")));
        return Arbitraries.frequencyOf(
                Tuple.of(20, pieces.list().ofMaxSize(12).map(list -> "/" + String.join("", list))),
                Tuple.of(1, pieces.list().ofMaxSize(4).map(list -> String.join("", list))));
    }

    /** The unreserved characters' escapes decoded; every other character and escape left as it is. */
    private static String decodeUnreserved(String path) {
        return ESCAPE.matcher(path).replaceAll(escape -> {
            char c = (char) Integer.parseInt(escape.group(1), 16);
            boolean unreserved = Character.isLetterOrDigit(c) && c < 0x80 || "-._~".indexOf(c) >= 0;
            return Matcher.quoteReplacement(unreserved ? String.valueOf(c) : escape.group());
        });
    }

    /** The normalised path the slow way, or null when it has to be refused. */
    private static String reference(String path) {
        if (path.equals("*")) {
            return path;
        }
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            return null;
        }
        boolean malformed = ESCAPE.matcher(path).replaceAll("").contains("%");
        if (malformed || ESCAPE.matcher(path).results().anyMatch(escape -> escape.group(1).equals("00"))) {
            return null;
        }
        String decoded = ESCAPE.matcher(decodeUnreserved(path))
                .replaceAll(escape -> escape.group().toUpperCase(Locale.ROOT));
        if (DOTS_WITH_PARAMETERS.matcher(decoded).find()) {
            return null;
        }
        return removeDotSegments(decoded.replaceAll("/{2,}", "/"));
    }

    /** RFC 3986 5.2.4, step by step; null where a {@code ..} would remove the root. */
    private static String removeDotSegments(String path) {
        StringBuilder input = new StringBuilder(path);
        StringBuilder output = new StringBuilder();
        while (input.length() > 0) {
            String in = input.toString();
            if (in.startsWith("../") || in.startsWith("./")) { // A
                input.delete(0, in.indexOf('/') + 1);
            } else if (in.startsWith("/./") || in.equals("/.")) { // B
                input.replace(0, in.startsWith("/./") ? 3 : 2, "/");
            } else if (in.startsWith("/../") || in.equals("/..")) { // C
                if (output.length() == 0) {
                    return null;
                }
                input.replace(0, in.startsWith("/../") ? 4 : 3, "/");
                output.setLength(Math.max(0, output.lastIndexOf("/")));
            } else if (in.equals(".") || in.equals("..")) { // D
                input.setLength(0);
            } else { // E
                int end = in.indexOf('/', 1);
                end = end < 0 ? in.length() : end;
                output.append(in, 0, end);
                input.delete(0, end);
            }
        }
        return output.toString();
    }
}
