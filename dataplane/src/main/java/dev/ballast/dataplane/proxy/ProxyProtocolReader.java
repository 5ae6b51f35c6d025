package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.dataplane.telemetry.DataplaneMetrics.ProxyProtocolResult;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol.AddressFamily;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right behind Netty's {@code HAProxyMessageDecoder}, which {@link ProxyProtocolDetector} puts there for a trusted
 * source's PROXY protocol header: takes the decoded header, installs the handlers that follow for the client address
 * it carries, and leaves (the decoder then leaves too, handing them the bytes after the header). A header that says
 * nothing of a client ({@code PROXY UNKNOWN}, v2's {@code LOCAL} command for the balancer's own health checks, a Unix
 * socket address) leaves the connection's own address, as if there had been no header. A malformed header closes the
 * connection (the decoder closes it and reports here).
 */
final class ProxyProtocolReader extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolReader.class);

    private final InetSocketAddress peer;
    private final DataplaneMetrics metrics;
    private final Consumer<InetSocketAddress> installFor;
    private ScheduledFuture<?> deadline;
    private boolean failed;

    /**
     * @param peer the connection's own source address (a trusted proxy's)
     * @param deadline closes the connection when the header has not come whole by then; cancelled here
     * @param installFor adds the handlers that follow, serving the client at the address given
     */
    ProxyProtocolReader(InetSocketAddress peer, ScheduledFuture<?> deadline, DataplaneMetrics metrics,
                        Consumer<InetSocketAddress> installFor) {
        this.peer = peer;
        this.deadline = deadline;
        this.metrics = metrics;
        this.installFor = installFor;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg); // never before the header: the decoder holds what follows it until it leaves
            return;
        }
        if (failed) {
            header.release(); // decoded from what followed a bad header, as the connection closed
            return;
        }
        InetSocketAddress client;
        try {
            client = carriedClient(header);
        } finally {
            header.release();
        }
        cancelDeadline();
        metrics.proxyProtocol(ProxyProtocolResult.ACCEPTED);
        installFor.accept(client == null ? peer : client);
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    /** The client's address and port the header carries; null when it carries none. */
    private static InetSocketAddress carriedClient(HAProxyMessage header) {
        AddressFamily family = header.proxiedProtocol().addressFamily();
        if (header.command() != HAProxyCommand.PROXY
                || family != AddressFamily.AF_IPv4 && family != AddressFamily.AF_IPv6) {
            return null;
        }
        // the decoder checked it is an address literal: nothing is looked up
        return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(header.sourceAddress()),
                header.sourcePort());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failed) {
            return; // the decoder tries the bytes after a bad header again as the connection closes: one count
        }
        failed = true;
        if (isMalformedHeader(cause)) {
            metrics.proxyProtocol(ProxyProtocolResult.INVALID);
            LOG.debug("closed the connection of {}: its PROXY protocol header is malformed: {}", peer,
                    cause.getMessage());
        } else {
            LOG.debug("closed the connection of {} during its PROXY protocol header: {}", peer, cause.toString());
        }
        ctx.close();
    }

    private static boolean isMalformedHeader(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof HAProxyProtocolException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == ClientPipeline.DRAIN) {
            ctx.close(); // no request under way yet
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
