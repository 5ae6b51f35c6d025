package dev.ballast.dataplane.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * First on a TLS listener's connections: a connection that starts with a TLS record goes on to the handshake (this
 * handler leaves the pipeline); one that starts like an HTTP request (a method's capital letter) is answered with a
 * 400 that says it reached an HTTPS port, as nginx does, instead of a TLS alert nobody reads; anything else is closed.
 */
final class PlainHttpRefusal extends ByteToMessageDecoder {

    /** TLS record type 22: every ClientHello starts with it. */
    private static final byte HANDSHAKE_RECORD = 0x16;
    private static final byte[] ANSWER = answer();

    private final TlsMetrics metrics;

    PlainHttpRefusal(TlsMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        byte first = in.getByte(in.readerIndex());
        if (first == HANDSHAKE_RECORD) {
            ctx.pipeline().remove(this); // the bytes read so far go on to the SNI handler
            return;
        }
        in.skipBytes(in.readableBytes());
        metrics.handshake(TlsMetrics.Result.PLAINTEXT, null);
        if (first >= 'A' && first <= 'Z') {
            ctx.writeAndFlush(ctx.alloc().buffer(ANSWER.length).writeBytes(ANSWER))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    private static byte[] answer() {
        String body = "This port speaks HTTPS, and the request came as plain HTTP: use an https:// address.\n";
        return ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }
}
