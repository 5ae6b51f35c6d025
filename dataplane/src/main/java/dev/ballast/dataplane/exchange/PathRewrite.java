package dev.ballast.dataplane.exchange;

import dev.ballast.schema.Rule;
import java.util.regex.Pattern;

/**
 * One compiled search/replace of a request path. The usual shape, Docker Flow's {@code reqPathSearchReplace} of an
 * anchored literal prefix with a literal replacement ({@code ^/http/} → {@code /renamed/}), is done as the string
 * operation it means, with the same result as the regex; anything else runs the regex.
 */
final class PathRewrite {

    /** What a literal may not contain: the regex metacharacters outside a class or group. */
    private static final String META = "\\.[]{}()*+?^$|";

    private final Pattern pattern; // null: the literal-prefix form
    private final String prefix;
    private final String replace;

    private PathRewrite(Pattern pattern, String prefix, String replace) {
        this.pattern = pattern;
        this.prefix = prefix;
        this.replace = replace;
    }

    static PathRewrite of(Rule.Rewrite rewrite) {
        String search = rewrite.search();
        String replace = rewrite.replace();
        boolean literalReplacement = replace.indexOf('$') < 0 && replace.indexOf('\\') < 0;
        if (search.startsWith("^") && literal(search.substring(1)) && literalReplacement) {
            return new PathRewrite(null, search.substring(1), replace);
        }
        return new PathRewrite(Pattern.compile(search), null, replace);
    }

    private static boolean literal(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (META.indexOf(text.charAt(i)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether this rewrite is done without a regex (for tests). */
    boolean literalPrefix() {
        return pattern == null;
    }

    String apply(String path) {
        if (pattern != null) {
            return pattern.matcher(path).replaceAll(replace);
        }
        return path.startsWith(prefix) ? replace + path.substring(prefix.length()) : path;
    }
}
