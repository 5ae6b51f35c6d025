package dev.ballast.sim.api;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The query of a logs request ({@code /services/{id}/logs}, {@code /tasks/{id}/logs}, {@code /containers/{id}/logs}),
 * checked the engine's way: at least one stream, {@code tail} a count or {@code all}, {@code since}/{@code until}
 * Unix times with up to nine fraction digits (0 or absent: no bound).
 *
 * @param tail how many of the last lines of each task, -1 for all
 */
record LogOptions(boolean stdout, boolean stderr, boolean follow, int tail, Instant since, Instant until,
                  boolean timestamps, boolean details) {

    private static final Pattern UNIX_TIME = Pattern.compile("^(-?[0-9]+)(?:\\.([0-9]{1,9}))?$");

    static LogOptions of(ApiRequest r) {
        boolean stdout = r.flag("stdout");
        boolean stderr = r.flag("stderr");
        if (!stdout && !stderr) {
            throw new ApiException(400, "Bad parameters: you must choose at least one stream");
        }
        return new LogOptions(stdout, stderr, r.flag("follow"), tail(r.param("tail")), time(r.param("since"), "since"),
                time(r.param("until"), "until"), r.flag("timestamps"), r.flag("details"));
    }

    private static int tail(String value) {
        if (value == null || value.isEmpty() || value.equals("all")) {
            return -1;
        }
        try {
            int tail = Integer.parseInt(value);
            if (tail < 0) {
                throw new ApiException(400, "tail: negative values are not supported: " + value);
            }
            return tail;
        } catch (NumberFormatException e) {
            throw new ApiException(400, "tail value must be a positive integer or \"all\": strconv.Atoi: parsing \""
                    + value + "\": invalid syntax");
        }
    }

    private static Instant time(String value, String name) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        Matcher m = UNIX_TIME.matcher(value);
        if (!m.matches()) {
            throw new ApiException(400, "invalid value for '" + name + "': " + value
                    + " (a Unix time in seconds, with up to nine fraction digits)");
        }
        long nanos = m.group(2) == null ? 0 : Long.parseLong((m.group(2) + "000000000").substring(0, 9));
        Instant time = Instant.ofEpochSecond(Long.parseLong(m.group(1)), nanos);
        return time.equals(Instant.EPOCH) ? null : time;
    }

    /** Whether a line of {@code stream} at {@code time} is asked for (before follow takes over). */
    boolean wants(dev.ballast.sim.runtime.TaskLog.Line line) {
        boolean stream = line.stream() == dev.ballast.sim.runtime.TaskLog.Stream.STDOUT ? stdout : stderr;
        return stream && (until == null || line.time().isBefore(until));
    }
}
