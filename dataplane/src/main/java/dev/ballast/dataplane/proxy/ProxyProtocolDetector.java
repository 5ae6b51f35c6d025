package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.dataplane.telemetry.DataplaneMetrics.ProxyProtocolResult;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First on every client connection, plain or TLS (a PROXY protocol header comes before the ClientHello): decides
 * whether the connection starts with a PROXY protocol header (v1's {@code "PROXY "} or v2's 12-byte signature) and
 * whose address the handlers that follow serve.
 * <ul>
 *   <li>No header: the connection's own address, at once; what was read goes on to the handlers that follow.</li>
 *   <li>A header from one of {@code --trusted-proxies}: it is decoded by Netty's {@code HAProxyMessageDecoder}, then
 *   {@link ProxyProtocolReader} takes the address it carries; the bytes after it go on.</li>
 *   <li>A header from anyone else is refused, never believed: a plain listener answers 400 and closes, a TLS listener
 *   closes (a client starting a handshake would not read an HTTP answer).</li>
 * </ul>
 * The decision is made on the first bytes that differ from both signatures (the first byte, for every HTTP request and
 * ClientHello), not on a fixed twelve as {@code HAProxyMessageDecoder.detectProtocol} needs: a client that sends a
 * short request and waits must not wait for bytes it will never send. The connection's {@code channelActive} is held back
 * and passed on once the handlers that follow are in place (they start their timers and reads on it). A header not
 * complete within {@code timeout} ({@code --timeout-http-request}) closes the connection; the TLS handshake and the
 * first request head then get their own timeouts, as without a header.
 */
final class ProxyProtocolDetector extends ByteToMessageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolDetector.class);
    private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final byte[] REFUSAL = refusal();

    private enum Opening { UNDECIDED, NO_HEADER, HEADER }

    private final InetSocketAddress peer;
    private final boolean trustedPeer;
    private final boolean tlsListener;
    private final Duration timeout;
    private final DataplaneMetrics metrics;
    private final Consumer<InetSocketAddress> installFor;
    /** Closes the connection when its client's address is not known in time; cancelled by whoever learns it. */
    private ScheduledFuture<?> deadline;
    private boolean headerDecoding;
    private boolean refused;

    /**
     * @param peer the connection's own source address
     * @param trustedPeer whether {@code peer} is one of {@code --trusted-proxies}
     * @param tlsListener whether the connection came to a TLS listener (a refusal is then a close, without an answer)
     * @param timeout how long a header may take to come whole
     * @param installFor adds the handlers that follow, serving the client at the address given
     */
    ProxyProtocolDetector(InetSocketAddress peer, boolean trustedPeer, boolean tlsListener, Duration timeout,
                          DataplaneMetrics metrics, Consumer<InetSocketAddress> installFor) {
        this.peer = peer;
        this.trustedPeer = trustedPeer;
        this.tlsListener = tlsListener;
        this.timeout = timeout;
        this.metrics = metrics;
        this.installFor = installFor;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // not passed on: the handlers that hear of it are not there yet
        deadline = ctx.executor().schedule(() -> expired(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.read();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused || !ctx.channel().isActive()) {
            in.skipBytes(in.readableBytes());
            return;
        }
        switch (opening(in)) {
            case UNDECIDED -> { } // more is read: ByteToMessageDecoder asks for it when nothing came out
            case NO_HEADER -> handOver(ctx, peer);
            case HEADER -> {
                if (trustedPeer) {
                    decodeHeader(ctx);
                } else {
                    refuse(ctx, in);
                }
            }
        }
    }

    /** Whether {@code in} starts with a signature, does not, or is too short to say. */
    private static Opening opening(ByteBuf in) {
        int v1 = matched(V1_SIGNATURE, in);
        int v2 = matched(V2_SIGNATURE, in);
        if (v1 == V1_SIGNATURE.length || v2 == V2_SIGNATURE.length) {
            return Opening.HEADER;
        }
        return v1 < 0 && v2 < 0 ? Opening.NO_HEADER : Opening.UNDECIDED;
    }

    /** How many of the signature's first bytes {@code in} starts with, all it has; -1 when a byte differs. */
    private static int matched(byte[] signature, ByteBuf in) {
        int n = Math.min(signature.length, in.readableBytes());
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != signature[i]) {
                return -1;
            }
        }
        return n;
    }

    /** The handlers that follow serve {@code client}; what was read goes on to them as this handler leaves. */
    private void handOver(ChannelHandlerContext ctx, InetSocketAddress client) {
        cancelDeadline();
        installFor.accept(client);
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    /**
     * The header is decoded behind this handler, which leaves; the bytes read so far go to the decoder, and the
     * deadline goes with the reader of its result.
     */
    private void decodeHeader(ChannelHandlerContext ctx) {
        headerDecoding = true;
        ProxyProtocolReader reader = new ProxyProtocolReader(peer, deadline, metrics, installFor);
        deadline = null;
        ctx.pipeline().addLast(new HAProxyMessageDecoder(), reader);
        ctx.pipeline().remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in) {
        refused = true;
        cancelDeadline();
        in.skipBytes(in.readableBytes());
        metrics.proxyProtocol(ProxyProtocolResult.REFUSED);
        LOG.debug("refused a PROXY protocol header from {}, which is not one of --trusted-proxies", peer);
        if (tlsListener) {
            ctx.close();
        } else {
            ctx.writeAndFlush(ctx.alloc().buffer(REFUSAL.length).writeBytes(REFUSAL))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * The client's address is still unknown: a header did not come whole in time (this handler may have left for the
     * decoder already), or nothing came, and a silent connection is closed as it would be without this handler.
     */
    private void expired(ChannelHandlerContext ctx) {
        deadline = null;
        if (headerDecoding || internalBuffer().isReadable()) {
            metrics.proxyProtocol(ProxyProtocolResult.INVALID);
            LOG.debug("closed the connection of {}: its PROXY protocol header did not come whole in {}", peer,
                    timeout);
        }
        ctx.channel().close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == ClientPipeline.DRAIN) {
            ctx.close(); // nothing under way yet
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closed the connection of {} before its first request: {}", peer, cause.toString());
        ctx.close(); // nothing behind this handler has a use for it
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private static byte[] refusal() {
        String body = "A PROXY protocol header is accepted only from the trusted proxies in front of this proxy.\n";
        return ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }
}
