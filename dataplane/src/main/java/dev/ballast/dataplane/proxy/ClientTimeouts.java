package dev.ballast.dataplane.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client connection's timeouts, on its one timer.
 * <ul>
 *   <li>Waiting for a request head: the connection is closed when none has come whole in time — the first request
 *   gets {@code --timeout-http-request} (so a client sending headers byte by byte cannot hold a connection), later
 *   ones {@code --timeout-keep-alive}. The decoder hands over nothing before a head is complete, so the first message
 *   read ends the wait. A client still taking the last answer has not begun to wait.</li>
 *   <li>During an exchange, the proxy may be waiting on the client: for more of the request body, or for it to take
 *   response bytes already sent. When the client makes no progress for the client timeout (the rule's
 *   {@code timeouts.client}, else {@code --timeout-client}) while so awaited, {@link #CLIENT_STALLED} goes down the
 *   pipeline for whoever holds the exchange to end it.</li>
 * </ul>
 * Requests only move deadlines; the timer checks them when it fires and sleeps again for what is left, so a busy
 * keep-alive connection does not schedule and cancel a timer per request.
 */
final class ClientTimeouts extends ChannelDuplexHandler {

    /** The inbound event that says the awaited client made no progress for its timeout. */
    static final Object CLIENT_STALLED = new Object() {
        @Override
        public String toString() {
            return "client stalled";
        }
    };

    private enum Watch { REQUEST_HEAD, EXCHANGE, NOTHING }

    private final Duration firstRequestTimeout;
    private final long keepAliveNanos;
    private ChannelHandlerContext ctx;
    private Watch watch = Watch.NOTHING;
    private Duration waitTimeout;
    private long waitDeadline; // System.nanoTime() by which a whole request head must have come
    private long clientLimit; // nanoseconds the client may stall in the exchange under way
    private boolean bodyOwed; // the client has not sent all of the request being relayed
    /** When the client last sent something or took something sent to it ({@link System#nanoTime()}). */
    private long progress;
    private ScheduledFuture<?> timer;
    private long timerAt; // when the timer fires (System.nanoTime())

    ClientTimeouts(Duration firstRequestTimeout, Duration keepAliveTimeout) {
        this.firstRequestTimeout = firstRequestTimeout;
        this.keepAliveNanos = keepAliveTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.progress = System.nanoTime();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        awaitRequest(firstRequestTimeout);
        ctx.fireChannelActive();
    }

    /** A request head is awaited, within {@code timeout} from now. */
    void awaitRequest(Duration timeout) {
        watch = Watch.REQUEST_HEAD;
        waitTimeout = timeout;
        waitDeadline = System.nanoTime() + timeout.toNanos();
        // An armed timer is kept unless it would fire after this wait should end (the first request's, when the
        // keep-alive timeout is the shorter).
        if (timer != null && timerAt - waitDeadline > 0) {
            cancelTimer();
        }
        if (timer == null) {
            checkIn(timeout.toNanos());
        }
    }

    /**
     * An exchange starts: the client may stall it for {@code clientTimeout}. The timer must fire that soon; it is
     * usually armed already (for the wait that just ended) and early enough, and set again only when it is not.
     */
    void watchExchange(Duration clientTimeout, boolean requestComplete) {
        watch = Watch.EXCHANGE;
        clientLimit = clientTimeout.toNanos();
        bodyOwed = !requestComplete;
        if (timer != null && timerAt - progress <= clientLimit) {
            return;
        }
        cancelTimer();
        checkDuringExchangeIn(clientLimit);
    }

    /** The client has sent the whole request: from now on it is awaited only while it has not taken the answer. */
    void requestReceived() {
        bodyOwed = false;
    }

    /** The client is keeping up with what it is sent (it was writable when more came for it). */
    void clientKeptUp() {
        progress = System.nanoTime();
    }

    /** Nothing is watched any more (the connection became a tunnel, or is closing). */
    void stop() {
        watch = Watch.NOTHING;
        cancelTimer();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        progress = System.nanoTime();
        if (watch == Watch.REQUEST_HEAD) {
            watch = Watch.NOTHING; // a head came; what happens next decides what is watched
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            progress = System.nanoTime(); // the client took what was waiting
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void checkIn(long nanos) {
        timerAt = System.nanoTime() + nanos;
        timer = ctx.executor().schedule(this::check, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Never later than a keep-alive timeout from now: the wait for the next request, which the same timer watches,
     * must not end late because the timer was set during a long exchange.
     */
    private void checkDuringExchangeIn(long nanos) {
        checkIn(Math.min(nanos, keepAliveNanos));
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        switch (watch) {
            case REQUEST_HEAD -> checkRequestWait();
            case EXCHANGE -> checkClientStall();
            case NOTHING -> { } // the next wait or exchange arms the timer again
        }
    }

    private void checkRequestWait() {
        long left = waitDeadline - System.nanoTime();
        if (left > 0) {
            checkIn(left);
        } else if (backlogged()) {
            awaitRequest(waitTimeout); // the last answer is still on its way: the wait starts when it has left
        } else {
            ctx.close();
        }
    }

    private void checkClientStall() {
        boolean awaited = bodyOwed || backlogged();
        long idle = System.nanoTime() - progress;
        if (!awaited || idle < clientLimit) {
            checkDuringExchangeIn(awaited ? clientLimit - idle : clientLimit);
            return;
        }
        watch = Watch.NOTHING;
        ctx.fireUserEventTriggered(CLIENT_STALLED);
    }

    private boolean backlogged() {
        return backlogged(ctx.channel());
    }

    /** Whether bytes written to the client have not left yet: the client is not taking them as fast as they come. */
    static boolean backlogged(Channel client) {
        ChannelOutboundBuffer unsent = client.unsafe().outboundBuffer();
        return unsent != null && unsent.totalPendingWriteBytes() > 0;
    }
}
