package dev.ballast.config;

import java.util.List;

/**
 * The settings reference in Markdown, generated from the {@link Setting} declarations. The README carries it between
 * markers and a test fails when the two differ, so the documented flags, variables and defaults are always the real
 * ones.
 */
public final class SettingsReference {

    private SettingsReference() {
    }

    /** Start marker of a process's table in the README. */
    public static String begin(String section) {
        return "<!-- settings:" + section + ":begin (generated from the Setting declarations; do not edit) -->";
    }

    /** End marker of a process's table in the README. */
    public static String end(String section) {
        return "<!-- settings:" + section + ":end -->";
    }

    /** The table for one process, with its markers. */
    public static String markdown(String section, List<Setting<?>> settings) {
        StringBuilder out = new StringBuilder(begin(section)).append('\n');
        out.append("| flag | YAML key (`").append(section).append(":`) | environment | default | meaning |\n");
        out.append("|---|---|---|---|---|\n");
        for (Setting<?> s : settings) {
            out.append("| `").append(s.flag()).append("` | `").append(s.key()).append("` | `")
                    .append(String.join("`, `", s.env())).append("` | ")
                    .append(s.defaultValue() == null ? "" : "`" + s.defaultValue() + "`").append(" | ")
                    .append(s.description()).append(" |\n");
        }
        return out.append(end(section)).append('\n').toString();
    }
}
