package dev.ballast.dataplane.proxy;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections to upstreams, one pool per event loop (its {@link UpstreamConnector}'s): a client connection takes a connection made by
 * any other client connection of its loop, so a balancer that spreads requests over endpoints does not cost a TCP
 * handshake per request. Confined to its loop's thread, so it needs no locking.
 *
 * <p>An idle connection keeps a read pending, so an upstream that closes it is noticed (and it leaves the pool) before
 * a request is sent into it; the upstream read timeout closes connections idle for longer than it.
 */
final class UpstreamPool {

    /** Idle connections kept per upstream address and event loop; more are closed when released. */
    static final int MAX_IDLE_PER_ADDRESS = 128;

    private final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();

    /** An idle, open connection to {@code address}, most recently used first, or null. */
    Channel acquire(String address) {
        ArrayDeque<Channel> channels = idle.get(address);
        while (channels != null && !channels.isEmpty()) {
            Channel channel = channels.pollFirst();
            if (channel.isActive()) {
                channel.pipeline().get(UpstreamHandler.class).lease(null);
                return channel;
            }
        }
        return null;
    }

    /** Keeps a connection whose last exchange completed cleanly, or closes it when the pool for its address is full. */
    void release(String address, Channel channel) {
        ArrayDeque<Channel> channels = idle.computeIfAbsent(address, a -> new ArrayDeque<>());
        if (!channel.isActive() || channels.size() >= MAX_IDLE_PER_ADDRESS) {
            channel.close();
            return;
        }
        channel.pipeline().get(UpstreamHandler.class).idleIn(this, address);
        channels.addFirst(channel);
        channel.read();
    }

    /** An idle connection closed or misbehaved: it leaves the pool. */
    void evict(String address, Channel channel) {
        ArrayDeque<Channel> channels = idle.get(address);
        if (channels != null) {
            channels.remove(channel);
        }
        channel.close();
    }
}
