package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.routing.TcpRoute;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First after the PROXY protocol detection on a TLS listener whose port has SNI routes: reads the ClientHello's
 * server name without terminating TLS (Netty's {@code AbstractSniHandler} keeps every byte it read) and leaves the
 * pipeline either way. A name that an SNI rule accepts hands the connection to {@code passthrough}, which relays it
 * untouched, ClientHello first; any other name, none, or bytes that are no TLS go to {@code terminate}, which adds
 * Ballast's own TLS termination and HTTP handlers. The bytes read so far go on to whichever handlers were added.
 *
 * <p>A ClientHello over the size limit, a zero-length handshake record or bytes that are no TLS record at all close
 * the connection (Netty's handler does), as does a ClientHello not complete within the handshake timeout.
 */
final class SniRouter extends AbstractSniHandler<TcpRoute> {

    private static final Logger LOG = LoggerFactory.getLogger(SniRouter.class);

    private final Function<String, TcpRoute> routes;
    private final Consumer<TcpRoute> passthrough;
    private final Runnable terminate;

    /**
     * @param routes the SNI rule accepting a server name, or null
     * @param passthrough takes the connection over for the route found (its handlers are added after this one)
     * @param terminate adds the handlers that terminate TLS, after this one
     */
    SniRouter(int maxClientHello, long handshakeTimeoutMillis, Function<String, TcpRoute> routes,
              Consumer<TcpRoute> passthrough, Runnable terminate) {
        super(maxClientHello, handshakeTimeoutMillis);
        this.routes = routes;
        this.passthrough = passthrough;
        this.terminate = terminate;
    }

    @Override
    protected Future<TcpRoute> lookup(ChannelHandlerContext ctx, String serverName) {
        return ctx.executor().newSucceededFuture(serverName == null ? null : routes.apply(serverName));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String serverName, Future<TcpRoute> future) {
        TcpRoute route = future.getNow();
        if (route != null) {
            ctx.channel().config().setAutoRead(false); // the relay reads once its upstream is connected
            passthrough.accept(route);
        } else {
            terminate.run();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // the ClientHello could not be read (Netty's handler has closed the connection already)
        LOG.debug("connection from {} closed before its server name was known: {}", ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }
}
