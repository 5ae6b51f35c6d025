package dev.ballast.dataplane.connection;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;

/** Ending every connection of a group when a replica stops. */
public final class ConnectionGroups {

    private ConnectionGroups() {
    }

    /**
     * Closes every connection of {@code connections} through its handlers, so each ends as its protocol says (an
     * HTTP/2 connection with a GOAWAY), and closes those still open after {@code millis} below their handlers: an
     * HTTP/2 connection's close waits for its streams, and a connection still open when its event loop ends can hold
     * that loop (Netty's io_uring loop waits for the read it has under way).
     */
    public static void close(ChannelGroup connections, long millis) {
        if (!connections.close().awaitUninterruptibly(millis)) {
            connections.forEach(ConnectionGroups::closeNow);
            connections.newCloseFuture().awaitUninterruptibly(1000);
        }
    }

    private static void closeNow(Channel channel) {
        channel.eventLoop().execute(() -> channel.unsafe().close(channel.unsafe().voidPromise()));
    }
}
