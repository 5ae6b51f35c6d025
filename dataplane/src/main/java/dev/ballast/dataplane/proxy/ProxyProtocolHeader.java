package dev.ballast.dataplane.proxy;

import dev.ballast.schema.ProxyProtocolVersion;
import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The PROXY protocol header a TCP or SNI route sends first to its endpoint ({@code spec.proxyProtocol}), encoded by
 * Netty's {@code HAProxyMessageEncoder}: the client's address and port as source, the listener's as destination.
 * Both must be of one family, so an IPv4 address beside an IPv6 one is written in its IPv4-mapped IPv6 form.
 */
final class ProxyProtocolHeader {

    private ProxyProtocolHeader() {
    }

    /**
     * Writes the header on {@code upstream}, a connected channel nothing has been written to yet; called on its event
     * loop, so the encoder has encoded it by the time this returns and leaves again.
     */
    static void write(Channel upstream, ProxyProtocolVersion version, InetSocketAddress source,
                      InetSocketAddress destination) {
        boolean ipv4 = source.getAddress() instanceof Inet4Address && destination.getAddress() instanceof Inet4Address;
        HAProxyMessage header = new HAProxyMessage(
                version == ProxyProtocolVersion.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY, ipv4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                literal(source.getAddress(), ipv4), literal(destination.getAddress(), ipv4), source.getPort(),
                destination.getPort());
        upstream.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
        upstream.writeAndFlush(header); // now: in protocols where the server speaks first, it waits for this
        upstream.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
    }

    private static String literal(InetAddress address, boolean ipv4) {
        if (ipv4 || !(address instanceof Inet4Address)) {
            return address.getHostAddress();
        }
        return "::ffff:" + address.getHostAddress();
    }
}
