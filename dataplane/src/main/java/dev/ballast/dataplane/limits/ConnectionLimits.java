package dev.ballast.dataplane.limits;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open client connections by listener port and by client address, against {@code --max-connections} and
 * {@code --max-connections-per-client}. A client's count goes when its last connection closes, so the map holds only
 * clients connected now. Thread-safe: every event loop accepts.
 */
public final class ConnectionLimits {

    private final int perListener;
    private final int perClient;
    private final ConcurrentMap<Integer, AtomicInteger> byListener = new ConcurrentHashMap<>();
    private final ConcurrentMap<InetAddress, Integer> byClient = new ConcurrentHashMap<>();

    /** @param perListener 0 for no limit; @param perClient 0 for no limit */
    public ConnectionLimits(int perListener, int perClient) {
        this.perListener = perListener;
        this.perClient = perClient;
    }

    /** Counts a connection accepted on {@code port}; false (and not counted) when the listener is full. */
    public boolean openOnListener(int port) {
        AtomicInteger open = byListener.computeIfAbsent(port, p -> new AtomicInteger());
        if (open.incrementAndGet() > perListener && perListener > 0) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    public void closedOnListener(int port) {
        byListener.get(port).decrementAndGet();
    }

    /** Counts a connection of {@code client}; false (and not counted) when it has its maximum open already. */
    public boolean openForClient(InetAddress client) {
        if (perClient <= 0) {
            return true;
        }
        boolean[] admitted = {false};
        byClient.compute(client, (address, open) -> {
            int now = open == null ? 0 : open;
            admitted[0] = now < perClient;
            return admitted[0] ? now + 1 : open;
        });
        return admitted[0];
    }

    public void closedForClient(InetAddress client) {
        if (perClient > 0) {
            byClient.computeIfPresent(client, (address, open) -> open <= 1 ? null : open - 1);
        }
    }

    /** Connections open on {@code port} now. */
    public int openOn(int port) {
        AtomicInteger open = byListener.get(port);
        return open == null ? 0 : open.get();
    }
}
