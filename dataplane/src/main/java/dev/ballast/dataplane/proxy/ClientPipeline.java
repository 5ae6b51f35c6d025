package dev.ballast.dataplane.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Composes the pipeline of each client connection (the order and what each handler takes and gives are in this
 * package's {@code package-info.java}). One per listener; what it shares between connections is the proxy's context
 * and, per event loop, the {@link UpstreamConnector} with its pool of idle upstream connections.
 */
public final class ClientPipeline {

    /**
     * The event that asks a client connection to finish (the replica is stopping): closed at once if between requests,
     * else after the response in progress, which says {@code Connection: close} if its head has not left yet.
     */
    public static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "drain";
        }
    };

    private final ProxyContext context;
    private final int maxHeaderSize;
    private final Map<EventLoop, UpstreamConnector> connectors = new ConcurrentHashMap<>();

    public ClientPipeline(ProxyContext context, int maxHeaderSize) {
        this.context = context;
        this.maxHeaderSize = maxHeaderSize;
    }

    /** Adds the handlers of a client connection just accepted (called from its channel initializer). */
    public void install(Channel ch) {
        int listenerPort = ((InetSocketAddress) ch.localAddress()).getPort();
        String clientAddress = ((InetSocketAddress) ch.remoteAddress()).getAddress().getHostAddress();
        UpstreamConnector connector = connectors.computeIfAbsent(ch.eventLoop(),
                loop -> new UpstreamConnector(loop, context.connectTimeout()));
        ClientTimeouts timeouts = new ClientTimeouts(context.requestTimeout(), context.keepAliveTimeout());
        RequestQueue queue = new RequestQueue(timeouts, context.keepAliveTimeout(), context.clientTimeout());
        RequestObserver observer = new RequestObserver(context, clientAddress);
        // A decoder and an encoder rather than HttpServerCodec: responses from upstreams are written as bytes past
        // the encoder, which the codec's pairing of requests and responses would not know of.
        ch.pipeline().addLast(new HttpRequestDecoder(8192, maxHeaderSize, 8192), new HttpResponseEncoder(),
                new HttpServerExpectContinueHandler(), timeouts, queue,
                new RouteDispatcher(context, queue, observer, listenerPort, clientAddress),
                new ExchangeRelay(context, connector, queue, timeouts, observer));
    }
}
