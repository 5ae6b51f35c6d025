package dev.ballast.config;

import java.util.Locale;

/** How a long-running process logs: the format of its log lines (both processes) and whether requests are logged. */
public final class LoggingConfig {

    /** The format of log lines on stderr. */
    public enum Format { TEXT, JSON }

    public static final Setting<Format> LOG_FORMAT = Setting.of("logFormat", "text", LoggingConfig::format,
            "Log line format on stderr: text (for people) or json (one object per line, for collectors)");
    public static final Setting<Boolean> ACCESS_LOG = Setting.of("accessLog", "false", ValueParsers::bool,
            "Log every request the dataplane answers (logger ballast.access; format in the README)");

    private LoggingConfig() {
    }

    static Format format(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> Format.TEXT;
            case "json" -> Format.JSON;
            default -> throw new IllegalArgumentException("\"" + value + "\" is not a log format (expected text or json)");
        };
    }
}
