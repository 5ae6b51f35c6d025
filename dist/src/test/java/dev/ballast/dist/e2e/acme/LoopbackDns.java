package dev.ballast.dist.e2e.acme;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DNS server for ACME tests: every name resolves to 127.0.0.1, so Pebble validates challenges against our
 * dataplane on loopback without anyone editing {@code /etc/hosts}. Pebble is pointed at it with {@code -dnsserver}.
 *
 * <p>It answers on UDP 127.0.0.1 (an ephemeral port) from a daemon thread: {@code A} queries get one record,
 * 127.0.0.1 with TTL 0 (nothing is cached between tests); {@code AAAA} queries get an empty NOERROR answer, because
 * Pebble asks AAAA first and connects to the first address it gets — answering {@code ::1} would send validation
 * to an IPv6 listener our dataplane does not have. Any other type also gets an empty NOERROR answer. Queries are
 * counted per name so tests can check that Pebble really resolved a host.
 */
public final class LoopbackDns implements AutoCloseable {

    static final int TYPE_A = 1;
    static final int TYPE_AAAA = 28;
    private static final int HEADER = 12;
    private static final int RCODE_FORMERR = 1;
    private static final int RCODE_NOTIMP = 4;
    private static final byte[] LOOPBACK = {127, 0, 0, 1};

    private final DatagramSocket socket;
    private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();

    private LoopbackDns(DatagramSocket socket) {
        this.socket = socket;
    }

    /** Binds 127.0.0.1 on an ephemeral UDP port and starts answering. */
    public static LoopbackDns start() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        LoopbackDns dns = new LoopbackDns(new DatagramSocket(loopback));
        Thread thread = new Thread(dns::serve, "loopback-dns-" + dns.port());
        thread.setDaemon(true);
        thread.start();
        return dns;
    }

    /** The UDP port it answers on (on 127.0.0.1). */
    public int port() {
        return socket.getLocalPort();
    }

    /** How many queries (of any type) named {@code name}; case and a trailing dot do not matter. */
    public int queried(String name) {
        AtomicInteger count = queries.get(normalize(name));
        return count == null ? 0 : count.get();
    }

    /** Stops answering and frees the port. */
    @Override
    public void close() {
        socket.close();
    }

    @Override
    public String toString() {
        return "LoopbackDns[127.0.0.1:" + port() + ", queries=" + queries + "]";
    }

    private void serve() {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                byte[] reply = answer(ByteBuffer.wrap(packet.getData(), 0, packet.getLength()));
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (SocketException closed) {
                return;
            } catch (IOException | RuntimeException e) {
                // a malformed packet or a failed send: keep answering the next query
            }
        }
    }

    /** The reply to one query, or null when it is too short to have an ID to echo. */
    private byte[] answer(ByteBuffer query) {
        if (query.remaining() < HEADER) {
            return null;
        }
        int id = Short.toUnsignedInt(query.getShort(0));
        int flags = Short.toUnsignedInt(query.getShort(2));
        if ((flags & 0x8000) != 0) {
            return null; // a response, not a query
        }
        int opcode = (flags >> 11) & 0xF;
        int questions = Short.toUnsignedInt(query.getShort(4));
        if (opcode != 0) {
            return header(id, flags, RCODE_NOTIMP, 0, 0);
        }
        query.position(HEADER);
        String name = questions == 1 ? readName(query) : null;
        if (name == null || query.remaining() < 4) {
            return header(id, flags, RCODE_FORMERR, 0, 0);
        }
        int type = Short.toUnsignedInt(query.getShort());
        int questionClass = Short.toUnsignedInt(query.getShort());
        queries.computeIfAbsent(normalize(name), n -> new AtomicInteger()).incrementAndGet();
        boolean a = type == TYPE_A && (questionClass == 1 || questionClass == 255);
        byte[] question = new byte[query.position() - HEADER];
        query.get(HEADER, question);
        ByteBuffer reply = ByteBuffer.allocate(HEADER + question.length + (a ? 16 : 0));
        reply.put(header(id, flags, 0, 1, a ? 1 : 0)).put(question);
        if (a) {
            reply.putShort((short) 0xC00C) // the name: a pointer to the question's
                    .putShort((short) TYPE_A).putShort((short) 1).putInt(0) // type A, class IN, TTL 0
                    .putShort((short) LOOPBACK.length).put(LOOPBACK);
        }
        return reply.array();
    }

    /** A response header: the query's ID, opcode and RD echoed, QR and RA set, not authoritative. */
    private static byte[] header(int id, int queryFlags, int rcode, int questions, int answers) {
        int flags = 0x8000 | (queryFlags & 0x7900) | 0x0080 | rcode;
        return ByteBuffer.allocate(HEADER).putShort((short) id).putShort((short) flags)
                .putShort((short) questions).putShort((short) answers).putShort((short) 0).putShort((short) 0)
                .array();
    }

    /** The question's name as dotted text, or null when malformed (queries carry no compression pointers). */
    private static String readName(ByteBuffer in) {
        StringBuilder name = new StringBuilder();
        while (in.hasRemaining()) {
            int length = Byte.toUnsignedInt(in.get());
            if (length == 0) {
                return name.length() == 0 ? "." : name.toString();
            }
            if (length > 63 || in.remaining() < length) {
                return null;
            }
            byte[] label = new byte[length];
            in.get(label);
            name.append(name.length() == 0 ? "" : ".").append(new String(label, StandardCharsets.US_ASCII));
        }
        return null;
    }

    private static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") && lower.length() > 1 ? lower.substring(0, lower.length() - 1) : lower;
    }
}
