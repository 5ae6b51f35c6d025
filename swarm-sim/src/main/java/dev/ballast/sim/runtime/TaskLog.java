package dev.ballast.sim.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What one task's workload wrote, as {@code docker service logs} shows it: lines on stdout or stderr, each with the
 * time it was written. Memory is bounded: the oldest lines go once the log holds {@value #MAX_LINES} lines or
 * {@value #MAX_BYTES} bytes, and a line longer than {@value #MAX_LINE} bytes is cut (as the engine's log drivers split
 * long lines). Followers get every line appended after they subscribed, in order; they are called with the log's lock
 * held, so they must not block.
 */
public final class TaskLog {

    static final int MAX_LINES = 2000;
    static final int MAX_BYTES = 256 * 1024;
    static final int MAX_LINE = 16 * 1024;

    /** The two streams a container writes. */
    public enum Stream { STDOUT, STDERR }

    /** One line, without its line break. */
    public record Line(Instant time, Stream stream, String text) {
    }

    /** A follower's subscription; cancelling it twice is harmless. */
    public interface Subscription {
        void cancel();
    }

    /** The lines a follower missed before subscribing, and its subscription. */
    public record Followed(List<Line> tail, Subscription subscription) {
    }

    private final String taskId;
    private final String serviceId;
    private final String nodeId;
    private final Clock clock;
    private final ArrayDeque<Line> lines = new ArrayDeque<>();
    private final List<Consumer<Line>> followers = new ArrayList<>();
    private int bytes;

    TaskLog(String taskId, String serviceId, String nodeId, Clock clock) {
        this.taskId = taskId;
        this.serviceId = serviceId;
        this.nodeId = nodeId;
        this.clock = clock;
    }

    public String taskId() {
        return taskId;
    }

    public String serviceId() {
        return serviceId;
    }

    public String nodeId() {
        return nodeId;
    }

    public void stdout(String text) {
        append(Stream.STDOUT, text);
    }

    public void stderr(String text) {
        append(Stream.STDERR, text);
    }

    /** Appends {@code text}, one line per line break in it (a trailing break adds no empty line). */
    public void append(Stream stream, String text) {
        Instant now = clock.instant();
        String[] parts = text.split("\r?\n", -1);
        int count = parts.length > 1 && parts[parts.length - 1].isEmpty() ? parts.length - 1 : parts.length;
        synchronized (this) {
            for (int i = 0; i < count; i++) {
                add(new Line(now, stream, cut(parts[i])));
            }
        }
    }

    private void add(Line line) {
        lines.addLast(line);
        bytes += size(line);
        while (lines.size() > MAX_LINES || bytes > MAX_BYTES) {
            bytes -= size(lines.removeFirst());
        }
        for (Consumer<Line> follower : List.copyOf(followers)) {
            follower.accept(line);
        }
    }

    private static int size(Line line) {
        return line.text().length() + 32;
    }

    private static String cut(String text) {
        if (text.length() <= MAX_LINE / 4) {
            return text; // at most four bytes a character: short enough whatever it holds
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= MAX_LINE) {
            return text;
        }
        String cut = new String(utf8, 0, MAX_LINE, StandardCharsets.UTF_8);
        // a character split at the cut decodes as U+FFFD: drop it rather than show garbage
        return cut.endsWith("\uFFFD") ? cut.substring(0, cut.length() - 1) : cut;
    }

    /** The last {@code tail} lines (all when negative) written at or after {@code since} (null: any time). */
    public synchronized List<Line> tail(int tail, Instant since) {
        List<Line> selected = new ArrayList<>();
        for (Line line : lines) {
            if (since == null || !line.time().isBefore(since)) {
                selected.add(line);
            }
        }
        if (tail >= 0 && selected.size() > tail) {
            return List.copyOf(selected.subList(selected.size() - tail, selected.size()));
        }
        return List.copyOf(selected);
    }

    /**
     * {@link #tail} and a subscription to every line after it, taken together so that no line is missed or seen
     * twice.
     */
    public synchronized Followed follow(int tail, Instant since, Consumer<Line> follower) {
        List<Line> missed = tail(tail, since);
        followers.add(follower);
        return new Followed(missed, () -> {
            synchronized (TaskLog.this) {
                followers.remove(follower);
            }
        });
    }

    synchronized int followerCount() {
        return followers.size();
    }
}
