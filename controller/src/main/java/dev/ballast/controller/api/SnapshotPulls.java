package dev.ballast.controller.api;

import static dev.ballast.controller.api.Responses.send;

import dev.ballast.config.Durations;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.schema.ListenerPorts;
import dev.ballast.schema.ReplicaReport;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.JacksonException;

/**
 * {@code GET /v1/snapshot}, the pull. A replica sends the version it has applied (empty at start) and what it did with
 * the last offer; a POST carries the replica's endpoint figures as well, as its body. If that is not the current
 * version, it gets the update at once (a delta from its version while the store still has it, else the full
 * snapshot); if it is, the request is parked until a new version is published or {@code wait} passes (then 304).
 * A replica that rejected the current version is offered it again only after a backoff. Parked pulls hold no thread:
 * they are entries in the store, answered on their channel's event loop. Needs the store and the replicas' reports
 * only, not the controller.
 */
final class SnapshotPulls extends Endpoint {

    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
    private static final Duration MAX_WAIT = Duration.ofMinutes(5);

    private final SnapshotStore store;
    private final ReplicaRegistry replicas;

    SnapshotPulls(SnapshotStore store, ReplicaRegistry replicas) {
        super(Set.of("/v1/snapshot"));
        this.store = store;
        this.replicas = replicas;
    }

    /** The ports a pull says its replica listens on; null when it says nothing (a replica before this was added). */
    private static ListenerPorts listeners(Map<String, String> params) {
        if (!params.containsKey("listeners")) {
            return null;
        }
        return new ListenerPorts(ports("listeners", params.get("listeners")),
                ports("tlsListeners", params.getOrDefault("tlsListeners", "")));
    }

    private static List<Integer> ports(String param, String value) {
        List<Integer> out = new ArrayList<>();
        for (String item : value.split(",")) {
            if (!item.isBlank()) {
                try {
                    out.add(Integer.parseInt(item.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(param + ": \"" + item + "\" is not a port");
                }
            }
        }
        return out;
    }

    @Override
    void handle(ChannelHandlerContext ctx, ApiRequest request) {
        Map<String, String> params = request.params();
        String replica = params.get("replica");
        if (replica == null || replica.isBlank()) {
            throw new IllegalArgumentException("replica: required (the replica's name)");
        }
        String version = params.getOrDefault("version", "");
        Duration wait = params.containsKey("wait") ? wait(params.get("wait")) : DEFAULT_WAIT;
        replicas.seen(replica, version, params.get("rejected"), params.get("error"), listeners(params));
        report(replica, request.message());

        Parked parked = new Parked(ctx.channel());
        // The callback comes from the publishing thread; it hops to the event loop, so it runs after park() below.
        Optional<SnapshotStore.Watch> watch = store.watch(version, snapshot -> ctx.executor().execute(() -> {
            if (parked.unpark()) {
                offer(ctx, replica, version);
            }
        }));
        if (watch.isEmpty()) {
            offer(ctx, replica, version);
            return;
        }
        parked.park(watch.get(), ctx.executor().schedule(() -> {
            if (parked.unpark()) {
                send(ctx, HttpResponseStatus.NOT_MODIFIED, null, store.current().version());
            }
        }, wait.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * A pull waiting for a new version or for its wait to end, whichever comes first. It listens to its connection's
     * closeFuture (a closed connection drops its pull from the store) and stops listening once answered: replicas
     * poll on one kept-alive connection for as long as they run, so a listener left behind per poll piles up.
     * Touched on the channel's event loop only.
     */
    private static final class Parked implements ChannelFutureListener {
        private final Channel channel;
        private SnapshotStore.Watch watch;
        private ScheduledFuture<?> timeout;
        private boolean done;

        Parked(Channel channel) {
            this.channel = channel;
        }

        void park(SnapshotStore.Watch watch, ScheduledFuture<?> timeout) {
            this.watch = watch;
            this.timeout = timeout;
            channel.closeFuture().addListener(this);
        }

        /** Whether this call ended the wait (the caller answers); later calls return false. */
        boolean unpark() {
            if (done) {
                return false;
            }
            done = true;
            watch.cancel();
            timeout.cancel(false); // an answered pull's timer would hold the context until the wait ends
            channel.closeFuture().removeListener(this);
            return true;
        }

        @Override
        public void operationComplete(ChannelFuture closed) {
            unpark(); // nobody left to answer
        }
    }

    /** Answers with the current snapshot, after the re-offer backoff if the replica rejected it. */
    private void offer(ChannelHandlerContext ctx, String replica, String version) {
        Snapshot current = store.current();
        Duration delay = replicas.reofferDelay(replica, current.version());
        Runnable answer = () -> {
            Snapshot latest = store.current();
            send(ctx, HttpResponseStatus.OK, store.updateBody(version, latest), latest.version());
        };
        if (delay.isZero()) {
            answer.run();
        } else {
            ctx.executor().schedule(answer, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Keeps the endpoint figures a pull carries as its JSON body (a GET carries none). A report that cannot be read
     * is noted against the replica, and the pull goes on: the figures are for people, the snapshot is what matters.
     */
    private void report(String replica, FullHttpRequest message) {
        if (!message.content().isReadable() || !ApiRequest.isJson(message)) {
            return;
        }
        try {
            replicas.reported(replica, RouteJson.read(ByteBufUtil.getBytes(message.content()), ReplicaReport.class));
        } catch (JacksonException e) {
            replicas.reportUnreadable(replica, "the pull's body is not a report the controller reads: "
                    + e.getOriginalMessage());
        }
    }

    private static Duration wait(String text) {
        Duration wait;
        try {
            wait = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("wait: " + e.getMessage());
        }
        return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
    }
}
