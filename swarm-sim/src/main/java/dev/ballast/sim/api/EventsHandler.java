package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.EngineTime;
import dev.ballast.sim.model.EventLog;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /events}: buffered events replayed from {@code since}, then live ones as a stream of JSON lines, until
 * {@code until} or until the client hangs up. {@link EventStreams} sees every stream, so faults can reach them.
 */
final class EventsHandler implements ResourceHandler {

    private static final Pattern EVENT_TIME = Pattern.compile("^([0-9]+)(?:\\.([0-9]{1,9}))?$");
    private static final Set<String> FILTERS = Set.of("type", "event", "scope", "service", "node", "network",
            "config", "secret", "label", "container", "image", "volume", "daemon", "plugin");
    /** Types the emulator never emits: filtering on one of them leaves the stream empty. */
    private static final List<String> OTHER_TYPES = List.of("container", "image", "volume", "daemon",
            "plugin", "config");

    private final Cluster cluster;
    private final EventStreams streams;

    EventsHandler(Cluster cluster, EventStreams streams) {
        this.cluster = cluster;
        this.streams = streams;
    }

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        if (!r.is("GET", 1)) {
            return false;
        }
        Filters f = Filters.parse(r.param("filters"), FILTERS);
        Long since = eventTime(r.param("since"), "since");
        Long until = eventTime(r.param("until"), "until");
        if (since != null && until != null && until < since) {
            throw new ApiException(400, "`since` time (" + r.param("since") + ") cannot be after `until` time ("
                    + r.param("until") + ")");
        }
        Predicate<EventLog.Event> filter = e -> matches(f, e);
        // The engine names the stream application/jsonl from API 1.52 on; older clients expect json.
        String contentType = !r.versioned() || r.apiMinor() >= 52 ? "application/jsonl" : "application/json";
        Duration hold = streams.hold();
        if (!hold.isZero()) {
            ctx.executor().schedule(() -> stream(ctx, contentType, since, until, filter), hold.toNanos(),
                    TimeUnit.NANOSECONDS);
        } else {
            stream(ctx, contentType, since, until, filter);
        }
        return true;
    }

    private void stream(ChannelHandlerContext ctx, String contentType, Long since, Long until,
                        Predicate<EventLog.Event> filter) {
        if (!ctx.channel().isActive()) {
            return;
        }
        Responses.streamHead(ctx, contentType);
        long now = EngineTime.nanos(cluster.now());
        if (until != null && until <= now) {
            for (EventLog.Event e : cluster.events().between(since == null ? 0 : since, until, filter)) {
                streams.send(ctx.channel(), e);
            }
            EventStreams.end(ctx.channel());
            return;
        }
        streams.opened(ctx.channel());
        EventLog.Subscription subscription = cluster.events().subscribe(since == null ? -1 : since, filter,
                e -> streams.send(ctx.channel(), e));
        ctx.channel().closeFuture().addListener(done -> subscription.cancel());
        if (until != null) {
            ctx.executor().schedule(() -> EventStreams.end(ctx.channel()), until - now, TimeUnit.NANOSECONDS);
        }
    }

    /** {@code since} and {@code until} as nanoseconds: Unix seconds with up to nine fraction digits. */
    private static Long eventTime(String value, String name) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        Matcher m = EVENT_TIME.matcher(value);
        if (!m.matches()) {
            throw new ApiException(400, "invalid value for '" + name + "': " + value);
        }
        long nanos = m.group(2) == null ? 0 : Long.parseLong((m.group(2) + "000000000").substring(0, 9));
        return Long.parseLong(m.group(1)) * 1_000_000_000L + nanos;
    }

    private static boolean matches(Filters f, EventLog.Event e) {
        for (String other : OTHER_TYPES) {
            if (f.has(other) && !e.type().equals(other)) {
                return false;
            }
        }
        String name = e.attributes().getOrDefault("name", "");
        for (String kind : List.of("service", "node", "network", "secret")) {
            if (f.has(kind) && !(e.type().equals(kind)
                    && f.get(kind).stream().anyMatch(v -> e.actorId().startsWith(v) || name.startsWith(v)))) {
                return false;
            }
        }
        return f.exact("type", e.type()) && f.exact("event", e.action()) && f.exact("scope", "swarm")
                && f.labels("label", e.attributes());
    }
}
