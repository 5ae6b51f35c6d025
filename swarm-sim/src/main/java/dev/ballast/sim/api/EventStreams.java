package dev.ballast.sim.api;

import dev.ballast.sim.model.EventLog;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open {@code /events} streams, so that faults can stall them (events are dropped while the connection stays
 * open, as when a real stream goes silent) or end them (the response completes and the connection closes).
 */
public final class EventStreams {

    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean stalled;
    private volatile Duration hold = Duration.ZERO;

    void opened(Channel channel) {
        open.add(channel);
        channel.closeFuture().addListener(f -> open.remove(channel));
    }

    /** Writes one event as a line of JSON, unless streams are stalled. */
    void send(Channel channel, EventLog.Event event) {
        if (stalled || !channel.isActive()) {
            return;
        }
        byte[] line = (EngineJson.event(event).toString() + "\n").getBytes(StandardCharsets.UTF_8);
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(line)));
    }

    /** Ends one stream normally. */
    static void end(Channel channel) {
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    /** From now on, events are silently dropped on every stream, open or opened later. */
    public void stall() {
        stalled = true;
    }

    public void resume() {
        stalled = false;
    }

    /**
     * New streams are answered and subscribed only after {@code delay} (zero: at once), so a client can see the
     * window in which changes happen before its subscription and reach it by no event.
     */
    public void holdNewStreams(Duration delay) {
        hold = delay;
    }

    Duration hold() {
        return hold;
    }

    /** Ends every open stream. */
    public void endAll() {
        open.forEach(EventStreams::end);
    }

    public int openCount() {
        return open.size();
    }
}
