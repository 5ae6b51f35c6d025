package dev.ballast.schema;

/**
 * Something wrong (or worth a warning) in a route or in the labels it came from, located as precisely as the input
 * allows. {@link #format()} gives the {@code file:line: field: message} form that {@code ballast validate} prints.
 *
 * @param file the file as the user named it, or {@code null} for routes that did not come from a file
 * @param line 1-based line, or 0 when unknown
 * @param field the field path ({@code spec.rules[0].port}) or label ({@code com.df.port.2}) at fault
 * @param message what is wrong, phrased so a user can act on it
 */
public record Problem(Severity severity, String file, int line, String field, String message) {

    /** How bad it is. */
    public enum Severity {
        /** The route (or file) is refused. */
        ERROR,
        /** The route is accepted; something in it was ignored or changed. */
        WARNING
    }

    public static Problem error(String file, int line, String field, String message) {
        return new Problem(Severity.ERROR, file, line, field, message);
    }

    public static Problem error(String field, String message) {
        return new Problem(Severity.ERROR, null, 0, field, message);
    }

    public static Problem warning(String field, String message) {
        return new Problem(Severity.WARNING, null, 0, field, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line: field: message}, leaving out the parts that are unknown. */
    public String format() {
        StringBuilder out = new StringBuilder();
        if (file != null) {
            out.append(file);
            if (line > 0) {
                out.append(':').append(line);
            }
            out.append(": ");
        }
        if (field != null && !field.isEmpty()) {
            out.append(field).append(": ");
        }
        if (severity == Severity.WARNING) {
            out.append("warning: ");
        }
        return out.append(message).toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
