package dev.ballast.sim.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskLogTest {

    /** A clock that moves one second per reading, so every line has its own time. */
    private static final class Ticking extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public synchronized Instant instant() {
            now = now.plusSeconds(1);
            return now;
        }
    }

    private final TaskLog log = new TaskLog("t1", "s1", "n1", new Ticking());

    private static List<String> texts(List<TaskLog.Line> lines) {
        return lines.stream().map(TaskLog.Line::text).toList();
    }

    @Test
    void splitsLinesAndKeepsTheirStream() {
        log.stdout("one\ntwo\n");
        log.stderr("three");
        assertThat(log.tail(-1, null)).extracting(TaskLog.Line::text, TaskLog.Line::stream).containsExactly(
                org.assertj.core.groups.Tuple.tuple("one", TaskLog.Stream.STDOUT),
                org.assertj.core.groups.Tuple.tuple("two", TaskLog.Stream.STDOUT),
                org.assertj.core.groups.Tuple.tuple("three", TaskLog.Stream.STDERR));
    }

    @Test
    void tailAndSinceSelectTheLastLines() {
        for (int i = 1; i <= 5; i++) {
            log.stdout("line " + i);
        }
        assertThat(texts(log.tail(2, null))).containsExactly("line 4", "line 5");
        assertThat(texts(log.tail(0, null))).isEmpty();
        Instant third = log.tail(-1, null).get(2).time();
        assertThat(texts(log.tail(-1, third))).containsExactly("line 3", "line 4", "line 5");
        assertThat(texts(log.tail(1, third))).containsExactly("line 5");
    }

    @Test
    void memoryIsBoundedByLinesAndBytesAndLongLinesAreCut() {
        for (int i = 0; i < TaskLog.MAX_LINES + 10; i++) {
            log.stdout("l" + i);
        }
        List<TaskLog.Line> kept = log.tail(-1, null);
        assertThat(kept).hasSize(TaskLog.MAX_LINES);
        assertThat(kept.get(0).text()).isEqualTo("l10");

        log.stdout("x".repeat(TaskLog.MAX_LINE * 3));
        assertThat(log.tail(1, null).get(0).text()).hasSize(TaskLog.MAX_LINE);
        log.stdout("a" + "é".repeat(TaskLog.MAX_LINE));
        assertThat(log.tail(1, null).get(0).text()).as("cut between characters, not inside one")
                .isEqualTo("a" + "é".repeat(TaskLog.MAX_LINE / 2 - 1));

        for (int i = 0; i < 40; i++) {
            log.stdout("y".repeat(TaskLog.MAX_LINE));
        }
        int bytes = log.tail(-1, null).stream().mapToInt(l -> l.text().length()).sum();
        assertThat(bytes).isLessThanOrEqualTo(TaskLog.MAX_BYTES);
    }

    @Test
    void aFollowerGetsTheTailThenEveryLaterLineOnce() {
        log.stdout("before 1");
        log.stdout("before 2");
        List<String> seen = new ArrayList<>();
        TaskLog.Followed followed = log.follow(1, null, line -> seen.add(line.text()));
        assertThat(texts(followed.tail())).containsExactly("before 2");
        log.stderr("after");
        assertThat(seen).containsExactly("after");
        followed.subscription().cancel();
        followed.subscription().cancel();
        log.stdout("unheard");
        assertThat(seen).containsExactly("after");
        assertThat(log.followerCount()).isZero();
    }

    @Test
    void logsLiveUntilTheirTaskIsRemovedAndNewOnesAreAnnounced() {
        TaskLogs logs = new TaskLogs(new Ticking());
        List<String> opened = new ArrayList<>();
        TaskLog.Subscription subscription = logs.onOpen(l -> opened.add(l.taskId()));
        TaskLog first = logs.open("a", "web", "n1");
        assertThat(logs.open("a", "web", "n1")).as("a restart appends to the same log").isSameAs(first);
        logs.open("b", "web", "n2");
        logs.open("c", "db", "n1");
        assertThat(opened).containsExactly("a", "b", "c");
        assertThat(logs.ofService("web")).extracting(TaskLog::taskId).containsExactly("a", "b");
        subscription.cancel();
        logs.open("d", "web", "n1");
        assertThat(opened).hasSize(3);
        logs.remove("a");
        assertThat(logs.get("a")).isEmpty();
        assertThat(logs.size()).isEqualTo(3);
    }
}
