package dev.ballast.dist.demo;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.ballast.sim.runtime.TaskLog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;

/**
 * Sends the log lines of the demo's in-process parts to the logs of the tasks they run as, so that
 * {@code docker service logs proxy_proxy} shows the replicas' own lines. Every part starts on a thread of a
 * {@link ThreadGroup} of its own, and the threads it creates (event loops, pullers, clients) join that group; a line is
 * the task's when the thread that logs it belongs to the task's group. Appenders run on the logging thread, so the
 * group is known there; writing to a task log never blocks.
 *
 * <p>The access log (logger {@code ballast.access}) goes to the task's stdout and no longer to the demo's terminal,
 * which stays readable; other lines go to the task's stderr, as the processes write them, and still to the terminal.
 */
final class TaskLogRouting implements AutoCloseable {

    static final String ACCESS_LOGGER = "ballast.access";

    private final Map<ThreadGroup, TaskLog> logs = new ConcurrentHashMap<>();
    private final Appender appender = new Appender();
    private final Logger root;
    private final Logger access;
    /** The access logger's own appenders, taken off while the demo runs and put back when it stops. */
    private final java.util.List<ch.qos.logback.core.Appender<ILoggingEvent>> accessAppenders =
            new java.util.ArrayList<>();

    private TaskLogRouting(LoggerContext context) {
        this.root = context == null ? null : context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        this.access = context == null ? null : context.getLogger(ACCESS_LOGGER);
        if (context != null) {
            appender.setContext(context);
            appender.setName("demo-task-logs");
            appender.start();
            root.addAppender(appender);
            access.iteratorForAppenders().forEachRemaining(accessAppenders::add);
            accessAppenders.forEach(access::detachAppender);
            access.addAppender(appender);
        }
    }

    /** Routes from now on; without Logback (a test's other binding) only the lines the demo writes itself arrive. */
    static TaskLogRouting install() {
        return new TaskLogRouting(LoggerFactory.getILoggerFactory() instanceof LoggerContext context ? context : null);
    }

    /** Lines logged by threads of {@code group} go to {@code log} until {@link #detach}. */
    void attach(ThreadGroup group, TaskLog log) {
        logs.put(group, log);
    }

    void detach(ThreadGroup group) {
        logs.remove(group);
    }

    private TaskLog logOf(Thread thread) {
        for (ThreadGroup group = thread.getThreadGroup(); group != null; group = group.getParent()) {
            TaskLog log = logs.get(group);
            if (log != null) {
                return log;
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (root != null) {
            root.detachAppender(appender);
            access.detachAppender(appender);
            accessAppenders.forEach(access::addAppender);
            appender.stop();
        }
        logs.clear();
    }

    /** Writes each event to the log of the task whose thread logged it; events of other threads are not its. */
    private final class Appender extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent event) {
            TaskLog log = logOf(Thread.currentThread());
            if (log == null) {
                return;
            }
            if (event.getLoggerName().equals(ACCESS_LOGGER)) {
                log.stdout(event.getFormattedMessage());
                return;
            }
            StringBuilder line = new StringBuilder().append(String.format("%-5s", event.getLevel()))
                    .append(' ').append(shortName(event.getLoggerName())).append(" - ")
                    .append(event.getFormattedMessage());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                line.append(": ").append(thrown.getClassName()).append(": ").append(thrown.getMessage());
            }
            log.stderr(line.toString());
        }
    }

    /** {@code dev.ballast.dataplane.pull.SnapshotPuller} as {@code SnapshotPuller}: the terminal has the full name. */
    static String shortName(String logger) {
        return logger.substring(logger.lastIndexOf('.') + 1);
    }
}
