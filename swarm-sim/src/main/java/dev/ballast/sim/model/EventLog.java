package dev.ballast.sim.model;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Swarm events (service, node, network, secret; create, update, remove), kept in a ring of the last 256 like the
 * engine's, so {@code since} can replay them, and delivered live to subscribers.
 */
public final class EventLog {

    /** The engine keeps this many events for replay. */
    public static final int CAPACITY = 256;

    /** One event, as {@code /events} reports it. */
    public record Event(String type, String action, String actorId, Map<String, String> attributes, Instant time) {
        public Event {
            attributes = Map.copyOf(attributes);
        }

        public long timeNano() {
            return EngineTime.nanos(time);
        }
    }

    /** A live subscription; {@link #cancel()} stops delivery. */
    public final class Subscription {
        private final Predicate<Event> filter;
        private final Consumer<Event> consumer;

        private Subscription(Predicate<Event> filter, Consumer<Event> consumer) {
            this.filter = filter;
            this.consumer = consumer;
        }

        public void cancel() {
            subscribers.remove(this);
        }
    }

    private final Deque<Event> ring = new ArrayDeque<>();
    private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();

    synchronized void emit(Event event) {
        if (ring.size() == CAPACITY) {
            ring.removeFirst();
        }
        ring.addLast(event);
        for (Subscription s : subscribers) {
            if (s.filter.test(event)) {
                s.consumer.accept(event);
            }
        }
    }

    /**
     * Replays buffered events at or after {@code sinceNano} (none when negative) that pass {@code filter}, then
     * delivers live ones. Replay and subscription happen atomically, so no event is missed or seen twice.
     */
    public synchronized Subscription subscribe(long sinceNano, Predicate<Event> filter, Consumer<Event> consumer) {
        if (sinceNano >= 0) {
            for (Event e : ring) {
                if (e.timeNano() >= sinceNano && filter.test(e)) {
                    consumer.accept(e);
                }
            }
        }
        Subscription s = new Subscription(filter, consumer);
        subscribers.add(s);
        return s;
    }

    /** Buffered events in a time window, for {@code until} in the past. */
    public synchronized List<Event> between(long sinceNano, long untilNano, Predicate<Event> filter) {
        List<Event> out = new ArrayList<>();
        for (Event e : ring) {
            if (e.timeNano() >= sinceNano && e.timeNano() <= untilNano && filter.test(e)) {
                out.add(e);
            }
        }
        return out;
    }
}
