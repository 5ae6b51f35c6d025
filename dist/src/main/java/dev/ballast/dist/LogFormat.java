package dev.ballast.dist;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import dev.ballast.config.LoggingConfig;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Switches the log lines of {@code logback.xml}'s console appenders (the log on stderr, the access log on stdout) to
 * one JSON object per line: Logback's JSON encoder, with the timestamp, level, logger, thread, formatted message,
 * key-value pairs, MDC and exception as fields.
 */
final class LogFormat {

    private LogFormat() {
    }

    static void apply(LoggingConfig.Format format) {
        if (format != LoggingConfig.Format.JSON || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        for (Logger logger : context.getLoggerList()) {
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                toJson(context, it.next());
            }
        }
    }

    private static void toJson(LoggerContext context, Appender<ILoggingEvent> appender) {
        if (appender instanceof AsyncAppenderBase<ILoggingEvent> async) {
            for (Iterator<Appender<ILoggingEvent>> it = async.iteratorForAppenders(); it.hasNext(); ) {
                toJson(context, it.next());
            }
        } else if (appender instanceof ConsoleAppender<ILoggingEvent> console) {
            JsonEncoder encoder = new JsonEncoder();
            encoder.setContext(context);
            // the message as people read it, not its pattern and arguments apart; the context is the same every line
            encoder.setWithFormattedMessage(true);
            encoder.setWithMessage(false);
            encoder.setWithArguments(false);
            encoder.setWithContext(false);
            encoder.setWithSequenceNumber(false);
            encoder.start();
            console.stop();
            console.setEncoder(encoder);
            console.start();
        }
    }
}
