package dev.ballast.dataplane.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client connection and an upstream connection joined byte for byte, once the upstream has switched protocols
 * (WebSocket, or any other {@code Upgrade}): the HTTP handlers leave both pipelines and a {@link TcpRelay} relays, with
 * its backpressure (a side reads only while the other can take it). The tunnel closes when either side closes, and
 * when no byte has gone either way for the tunnel timeout.
 */
final class Tunnel {

    private Tunnel() {
    }

    /**
     * Strips the HTTP handlers from both pipelines (anything the codecs still hold, such as bytes the upstream sent
     * right after its 101, goes on through the tunnel) and starts relaying. Called on the event loop both share.
     */
    static void join(Channel client, Channel upstream, Duration idle) {
        become(client.pipeline(), TcpRelay.towards(upstream));
        become(upstream.pipeline(), TcpRelay.towards(client));
        // what the codecs handed on as they left is written; out it goes
        client.flush();
        upstream.flush();
        // One idle timer suffices: whatever goes either way is a read or a write of the client connection.
        client.pipeline().addFirst("tunnel-idle", new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS));
        TcpRelay.start(client, upstream);
    }

    /**
     * Replaces every handler of {@code pipeline} with {@code relay}, from the last to the first: the codec, removed
     * last, hands the bytes it still holds to the next handler, which must be the relay by then.
     */
    private static void become(ChannelPipeline pipeline, ChannelHandler relay) {
        List<String> names = new ArrayList<>(pipeline.names());
        pipeline.addLast("tunnel", relay);
        Collections.reverse(names);
        for (String name : names) {
            ChannelHandler handler = pipeline.get(name);
            if (handler != null) {
                pipeline.remove(handler);
            }
        }
    }
}
