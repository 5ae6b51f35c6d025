package dev.ballast.dataplane.routing;

/**
 * The canonical form of a request path, which routing matches and upstreams receive: a backend that normalises
 * {@code /public/%2e%2e/admin} itself would otherwise serve what a rule for {@code /admin/} guards, because the raw
 * path matched {@code /public/}. As nginx does: escapes of unreserved characters decoded (the others kept, in upper
 * case), runs of {@code /} merged, then dot segments removed (RFC 3986 5.2.4). A path that would climb above the root,
 * or that no backend can read the same way as the proxy (a malformed escape, {@code %00}, a control character, a dot
 * segment with parameters), is refused. A segment that is {@code .} or {@code ..} before its first {@code ;} is such
 * a dot segment: Tomcat and Spring cut a segment's {@code ;} parameters before resolving the dots, so
 * {@code /public/..;/admin/x}, matched here under {@code /public/}, would reach their {@code /admin/x}. Any other
 * {@code ;} is kept. {@code %2F} and {@code %5C} stay encoded, and a raw {@code \} is kept: whether a backend takes
 * them for separators (IIS and some Java servers take {@code \} for {@code /}) is its own affair, so they are only
 * reported, for the caller to refuse.
 *
 * <p>Most paths need no change; they are recognised in one scan and returned as the same String.
 */
public final class RequestPath {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RequestPath() {
    }

    /** The outcome of normalising a path. */
    public sealed interface Result {

        /**
         * The path to match and forward.
         *
         * @param encodedSlash whether it holds {@code %2F}, {@code %5C} or {@code \}, which a backend may take for a
         *     separator the proxy did not see
         */
        record Normalized(String path, boolean encodedSlash) implements Result {
        }

        /** A path no route may see: answer 400, saying why. */
        record Refused(String reason) implements Result {
        }
    }

    /**
     * Normalises {@code rawPath}, the path of a request target (without its query string); {@code *} (the target of
     * {@code OPTIONS *}) is returned as it is.
     */
    public static Result normalize(String rawPath) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return rawPath.equals("*") ? new Result.Normalized(rawPath, false)
                    : new Result.Refused("the path does not start with /");
        }
        int n = rawPath.length();
        boolean encodedSlash = false;
        for (int i = 0; i < n; i++) {
            char c = rawPath.charAt(i);
            if (c == '%') {
                int value = escape(rawPath, i);
                if (value <= 0 || unreserved(value) || !upperCase(rawPath, i)) {
                    return rewrite(rawPath);
                }
                encodedSlash |= value == '/' || value == '\\';
                i += 2;
            } else if (c == '\\') {
                encodedSlash = true;
            } else if (c == '/' ? startsToChange(rawPath, i) : control(c)) {
                return rewrite(rawPath);
            }
        }
        return new Result.Normalized(rawPath, encodedSlash);
    }

    /**
     * Whether the segment after the {@code /} at {@code slash} is empty, {@code .} or {@code ..} (to remove), or one of
     * the last two with parameters (to refuse).
     */
    private static boolean startsToChange(String path, int slash) {
        int n = path.length();
        if (slash + 1 == n) {
            return false; // a trailing slash is kept
        }
        char next = path.charAt(slash + 1);
        if (next == '/') {
            return true;
        }
        if (next != '.') {
            return false;
        }
        int after = slash + 2;
        if (after < n && path.charAt(after) == '.') {
            after++;
        }
        return after == n || path.charAt(after) == '/' || path.charAt(after) == ';';
    }

    /** The path rebuilt in one pass; the scan found something to change or to refuse. */
    private static Result rewrite(String path) {
        int n = path.length();
        StringBuilder out = new StringBuilder(n).append('/');
        // where the segment being copied starts in out; the dot segments are removed as each one ends
        int segment = 1;
        for (int i = 1; i <= n; i++) {
            char c = i == n ? '/' : path.charAt(i);
            if (c == '/') {
                int dots = dots(out, segment);
                if (dots == 1) {
                    out.setLength(segment);
                } else if (dots == 2) {
                    if (segment == 1) {
                        return new Result.Refused("the path climbs above the root");
                    }
                    segment = out.lastIndexOf("/", segment - 2) + 1;
                    out.setLength(segment);
                } else if (out.length() > segment && i < n) {
                    out.append('/');
                    segment = out.length();
                }
            } else if (c == ';' && dots(out, segment) > 0) {
                // checked at every ';': after the first, the segment holds a ';' and cannot be dots any more
                return new Result.Refused("the path has a dot segment with parameters");
            } else if (c == '%') {
                int value = escape(path, i);
                if (value < 0) {
                    return new Result.Refused("the path holds a malformed percent-encoding");
                }
                if (value == 0) {
                    return new Result.Refused("the path holds %00");
                }
                if (unreserved(value)) {
                    out.append((char) value);
                } else {
                    out.append('%').append(HEX[value >> 4]).append(HEX[value & 0xF]);
                }
                i += 2;
            } else if (control(c)) {
                return new Result.Refused("the path holds a control character");
            } else {
                out.append(c);
            }
        }
        // looked for in what is left: a segment that held one may have been removed by a ".." after it
        return new Result.Normalized(out.toString(),
                out.indexOf("%2F") >= 0 || out.indexOf("%5C") >= 0 || out.indexOf("\\") >= 0);
    }

    /** 1 or 2 when the segment of {@code out} that starts at {@code segment} is {@code .} or {@code ..}, else 0. */
    private static int dots(StringBuilder out, int segment) {
        int length = out.length() - segment;
        if (length < 1 || length > 2 || out.charAt(segment) != '.') {
            return 0;
        }
        return length == 1 ? 1 : out.charAt(segment + 1) == '.' ? 2 : 0;
    }

    /** The byte the escape at {@code percent} stands for, or -1 when it is not {@code %} and two hex digits. */
    private static int escape(String path, int percent) {
        if (percent + 2 >= path.length()) {
            return -1;
        }
        int high = hex(path.charAt(percent + 1));
        int low = hex(path.charAt(percent + 2));
        return high < 0 || low < 0 ? -1 : high << 4 | low;
    }

    /** An ASCII hex digit's value, or -1 (Character.digit would take full-width and other Unicode digits too). */
    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0'
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : -1;
    }

    /** Whether the hex digits of the escape at {@code percent} (a valid one) are already in upper case. */
    private static boolean upperCase(String path, int percent) {
        return path.charAt(percent + 1) < 'a' && path.charAt(percent + 2) < 'a';
    }

    /** RFC 3986's unreserved characters: an escape of one means the same as the character itself. */
    private static boolean unreserved(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static boolean control(char c) {
        return c < 0x20 || c == 0x7F;
    }
}
