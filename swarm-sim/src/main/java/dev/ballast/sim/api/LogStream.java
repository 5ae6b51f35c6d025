package dev.ballast.sim.api;

import dev.ballast.sim.runtime.TaskLog;
import dev.ballast.sim.runtime.TaskLogs;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Writes task logs as the engine's log endpoints do. Unless the container has a TTY, the body is the multiplexed
 * stream ({@code application/vnd.docker.multiplexed-stream} from API 1.42 on): each line one frame, an 8-byte header
 * {@code [stream, 0, 0, 0, size as a big-endian uint32]} (1 stdout, 2 stderr) and the line. A line is
 * {@code [TIMESTAMP ][DETAILS ]MESSAGE\n}, the timestamp RFC 3339 with nine fraction digits, the details the log
 * attributes as {@code k=v,…} (for swarm logs the node, service and task IDs, which the docker CLI needs to name the
 * task).
 *
 * <p>With {@code follow}, lines written later follow as they come, and for a service the lines of tasks started
 * later too, until the client hangs up. A client that does not read its stream loses lines rather than the emulator
 * buffering them.
 */
final class LogStream {

    /** Go's RFC3339NanoFixed. */
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    static final String MULTIPLEXED = "application/vnd.docker.multiplexed-stream";

    /**
     * What to stream: the logs there are now, and for a service's logs, which logs opened later belong to it.
     *
     * @param details the log attributes of a task's lines, rendered once per task
     */
    record Selection(List<TaskLog> logs, String followServiceId, boolean tty, Function<TaskLog, String> details) {
    }

    private LogStream() {
    }

    /** Streams the selection to the client according to the request's options. */
    static void serve(ChannelHandlerContext ctx, ApiRequest r, TaskLogs logs, Selection selection) {
        LogOptions options = LogOptions.of(r);
        boolean multiplexed = !selection.tty();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        Responses.engineHeaders(head.headers());
        head.headers().set(HttpHeaderNames.CONTENT_TYPE,
                multiplexed && (!r.versioned() || r.apiMinor() >= 42) ? MULTIPLEXED : Responses.RAW_STREAM);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.write(head);

        Channel channel = ctx.channel();
        boolean follow = options.follow() && options.until() == null;
        List<Framed> backlog = new ArrayList<>();
        if (!follow) {
            for (TaskLog log : selection.logs()) {
                log.tail(options.tail(), options.since()).forEach(line -> backlog.add(new Framed(log, line)));
            }
            writeBacklog(ctx, backlog, options, selection, multiplexed);
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        Set<String> followed = ConcurrentHashMap.newKeySet();
        List<TaskLog.Subscription> subscriptions = new ArrayList<>();
        if (selection.followServiceId() != null) {
            // Subscribed first, so that a task starting while the backlog is read is not missed; `followed` keeps it
            // from being followed twice.
            subscriptions.add(logs.onOpen(log -> {
                if (log.serviceId().equals(selection.followServiceId()) && followed.add(log.taskId())) {
                    TaskLog.Followed f = log.follow(-1, null, line -> live(channel, log, line, options, selection,
                            multiplexed));
                    synchronized (subscriptions) {
                        subscriptions.add(f.subscription());
                    }
                    f.tail().forEach(line -> live(channel, log, line, options, selection, multiplexed));
                }
            }));
        }
        for (TaskLog log : selection.logs()) {
            if (followed.add(log.taskId())) {
                TaskLog.Followed f = log.follow(options.tail(), options.since(),
                        line -> live(channel, log, line, options, selection, multiplexed));
                synchronized (subscriptions) {
                    subscriptions.add(f.subscription());
                }
                f.tail().forEach(line -> backlog.add(new Framed(log, line)));
            }
        }
        // Live lines are written from other threads through the channel's event loop, so they queue up behind the
        // backlog written here, on the loop.
        writeBacklog(ctx, backlog, options, selection, multiplexed);
        ctx.flush();
        channel.closeFuture().addListener(done -> {
            synchronized (subscriptions) {
                subscriptions.forEach(TaskLog.Subscription::cancel);
            }
        });
    }

    private record Framed(TaskLog log, TaskLog.Line line) {
    }

    /** The tails of several tasks, merged in time order (each task's lines keep their order). */
    private static void writeBacklog(ChannelHandlerContext ctx, List<Framed> backlog, LogOptions options,
                                     Selection selection, boolean multiplexed) {
        backlog.sort(Comparator.comparing(f -> f.line().time()));
        ByteBuf out = ctx.alloc().buffer();
        for (Framed f : backlog) {
            if (options.wants(f.line())) {
                frame(out, f.line(), text(f.log(), f.line(), options, selection), multiplexed);
            }
        }
        if (out.isReadable()) {
            ctx.write(new DefaultHttpContent(out));
        } else {
            out.release();
        }
    }

    private static void live(Channel channel, TaskLog log, TaskLog.Line line, LogOptions options, Selection selection,
                             boolean multiplexed) {
        if (!options.wants(line) || !channel.isActive() || !channel.isWritable()) {
            return;
        }
        ByteBuf out = channel.alloc().buffer();
        frame(out, line, text(log, line, options, selection), multiplexed);
        channel.writeAndFlush(new DefaultHttpContent(out));
    }

    private static String text(TaskLog log, TaskLog.Line line, LogOptions options, Selection selection) {
        StringBuilder text = new StringBuilder();
        if (options.timestamps()) {
            text.append(TIMESTAMP.format(line.time())).append(' ');
        }
        if (options.details()) {
            text.append(selection.details().apply(log)).append(' ');
        }
        return text.append(line.text()).append('\n').toString();
    }

    private static void frame(ByteBuf out, TaskLog.Line line, String text, boolean multiplexed) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (multiplexed) {
            out.writeByte(line.stream() == TaskLog.Stream.STDOUT ? 1 : 2).writeZero(3).writeInt(bytes.length);
        }
        out.writeBytes(bytes);
    }

    /** The attributes of a swarm task's lines, as the engine renders them: sorted by key, query-escaped. */
    static String swarmDetails(TaskLog log) {
        Map<String, String> attributes = new TreeMap<>(Map.of("com.docker.swarm.node.id", log.nodeId(),
                "com.docker.swarm.service.id", log.serviceId(), "com.docker.swarm.task.id", log.taskId()));
        StringBuilder out = new StringBuilder();
        attributes.forEach((k, v) -> out.append(out.length() == 0 ? "" : ",")
                .append(java.net.URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                .append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return out.toString();
    }
}
