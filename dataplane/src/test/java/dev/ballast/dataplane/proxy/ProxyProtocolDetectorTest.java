package dev.ballast.dataplane.proxy;

import static dev.ballast.dataplane.proxy.TestTraffic.bytes;
import static dev.ballast.dataplane.proxy.TestTraffic.sent;
import static dev.ballast.dataplane.proxy.TestTraffic.withExplicitReads;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.observability.telemetry.Telemetry;
import dev.ballast.observability.testing.CollectedSpans;
import dev.ballast.observability.testing.PrometheusText;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ProxyProtocolDetector} (and the decoder and {@link ProxyProtocolReader} it puts behind itself) on an
 * {@code EmbeddedChannel} with explicit reads, the handlers that follow stood for by one that keeps the bytes it gets:
 * where the decision falls, which bytes go on and which address they are served for, and that every buffer and
 * decoded header is released whatever the connection sends.
 */
class ProxyProtocolDetectorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final InetSocketAddress peer = new InetSocketAddress(address("10.0.0.5"), 40_000);
    private final Telemetry telemetry = Telemetry.forTests("test", new CollectedSpans());
    private final DataplaneMetrics metrics = new DataplaneMetrics(telemetry.meter("test"), () -> 0, List::of,
            () -> null, List::of);
    /** The addresses the handlers that follow were installed for. */
    private final List<InetSocketAddress> installedFor = new ArrayList<>();
    /** What reached the handlers that follow, one char a byte. */
    private final StringBuilder passedOn = new StringBuilder();
    private final List<Boolean> activeSeen = new ArrayList<>();
    private EmbeddedChannel channel;

    private void connect(boolean trustedPeer, boolean tlsListener) {
        ProxyProtocolDetector detector = new ProxyProtocolDetector(peer, trustedPeer, tlsListener, TIMEOUT, metrics,
                client -> {
                    installedFor.add(client);
                    channel.pipeline().addLast(new Following());
                });
        channel = withExplicitReads(new EmbeddedChannel(false, false, detector));
        channel.freezeTime(); // from here the timeout's clock moves only when a test moves it
    }

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
        telemetry.close();
    }

    @Test
    void aRequestGoesOnAtItsFirstByteForTheConnectionsOwnAddress() {
        connect(true, false);
        assertThat(installedFor).isEmpty();

        channel.writeInbound(bytes("G"));
        assertThat(installedFor).containsExactly(peer);
        assertThat(activeSeen).as("the handlers that follow heard the connection is active").containsExactly(true);
        channel.writeInbound(bytes("ET / HTTP/1.1\r\n"));

        assertThat(passedOn.toString()).isEqualTo("GET / HTTP/1.1\r\n");
        assertThat(channel.pipeline().get(ProxyProtocolDetector.class)).isNull();
    }

    @Test
    void bytesLikeASignaturesStartAreHeldUntilTheyDiffer() {
        connect(false, false);

        channel.writeInbound(bytes("PRO"));
        assertThat(installedFor).isEmpty();
        channel.writeInbound(bytes("PFIND / HTTP/1.1\r\n"));

        assertThat(installedFor).containsExactly(peer);
        assertThat(passedOn.toString()).isEqualTo("PROPFIND / HTTP/1.1\r\n");
    }

    @Test
    void aTrustedHeaderInPiecesGivesItsAddressAndTheBytesAfterItGoOnOnce() {
        connect(true, false);

        channel.writeInbound(bytes("PRO"));
        channel.writeInbound(bytes("XY TCP4 198.51.100.7 10.0.0.1 5"));
        channel.writeInbound(bytes("1234 80\r\nGET / HT"));
        channel.writeInbound(bytes("TP/1.1\r\n"));

        assertThat(installedFor).as("the address and port the header carries")
                .containsExactly(new InetSocketAddress(address("198.51.100.7"), 51234));
        assertThat(passedOn.toString()).isEqualTo("GET / HTTP/1.1\r\n");
        assertThat(channel.pipeline().get(HAProxyMessageDecoder.class)).as("the decoder left").isNull();
        assertThat(channel.pipeline().get(ProxyProtocolReader.class)).as("the reader left").isNull();
        assertThat(count("accepted")).isEqualTo(1);
    }

    @Test
    void aBadHeaderIsCountedOnceAndWhatFollowsItIsNeverBelieved() {
        connect(true, false);

        // the decoder tries the line after a bad header again as the connection closes: a header there too
        channel.writeInbound(bytes("PROXY TCP4 not-an-address 10.0.0.1 1 2\r\n"
                + "PROXY TCP4 198.51.100.7 10.0.0.1 1 2\r\n"));

        assertThat(channel.isActive()).isFalse();
        assertThat(installedFor).isEmpty();
        assertThat(count("invalid")).isEqualTo(1);
        assertThat(count("accepted")).isZero();
    }

    @Test
    void anUntrustedHeaderIsAnswered400OnAPlainListener() {
        connect(false, false);

        channel.writeInbound(bytes("PROXY TCP4 198.51.100.7 10.0.0.1 51234 80\r\nGET / HTTP/1.1\r\n\r\n"));

        assertThat(sent(channel)).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertThat(channel.isActive()).isFalse();
        assertThat(installedFor).isEmpty();
        assertThat(passedOn).isEmpty();
        assertThat(count("refused")).isEqualTo(1);
    }

    @Test
    void anUntrustedHeaderIsClosedWithoutAWordOnATlsListener() {
        connect(false, true);

        channel.writeInbound(bytes("\r\n\r\n\0\r\nQUIT\n"));

        assertThat(sent(channel)).isEmpty();
        assertThat(channel.isActive()).isFalse();
        assertThat(installedFor).isEmpty();
    }

    @Test
    void anUnfinishedHeaderIsClosedAtTheTimeout() {
        connect(true, false);
        channel.writeInbound(bytes("PROXY TCP4 198.51.100.7"));

        channel.advanceTimeBy(TIMEOUT.toMillis() - 1000, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).isTrue();
        channel.advanceTimeBy(1000, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isActive()).isFalse();
        assertThat(installedFor).isEmpty();
        assertThat(count("invalid")).isEqualTo(1);
    }

    @Test
    void aSilentConnectionIsClosedAtTheTimeoutWithoutACount() {
        connect(true, false);

        channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isActive()).isFalse();
        assertThat(count("invalid")).isZero();
    }

    @Test
    void aDrainClosesAConnectionThatSentNothingYet() {
        connect(true, false);

        channel.pipeline().fireUserEventTriggered(ClientPipeline.DRAIN);

        assertThat(channel.isActive()).isFalse();
    }

    /** Stands for the handlers the detector installs: keeps what reaches it. */
    private final class Following extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            activeSeen.add(ctx.channel().isActive());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                passedOn.append(buf.toString(StandardCharsets.ISO_8859_1));
            } finally {
                buf.release();
            }
        }
    }

    private double count(String result) {
        return PrometheusText.sum(PrometheusText.parse(new String(telemetry.scrape(), StandardCharsets.UTF_8)),
                "ballast_proxy_protocol_total", Map.of("result", result));
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
