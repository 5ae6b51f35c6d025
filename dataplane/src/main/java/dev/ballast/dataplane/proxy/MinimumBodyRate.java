package dev.ballast.dataplane.proxy;

import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.limits.Refusal;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Refuses a request body that comes slower than {@code --min-request-body-rate} (a slow-body attack holds a
 * connection and an upstream with a byte now and then, never idle long enough for the client timeout). Only the time
 * the proxy spends waiting for the client counts — from asking for a read to getting bytes — so a body held back by a
 * slow upstream (the proxy reads no more until the upstream took the last part) is never the client's fault. The
 * first {@link DataplaneConfig.Limits#BODY_RATE_GRACE} of waiting are free. A body found too slow is replaced by a
 * {@link RequestBodyRefused} failure, which the relay answers with 408; nothing is read after it.
 */
final class MinimumBodyRate extends ChannelDuplexHandler {

    private static final long GRACE_NANOS = DataplaneConfig.Limits.BODY_RATE_GRACE.toNanos();

    private final long bytesPerSecond;
    private boolean inBody;
    private long received;
    private long waited; // nanoseconds spent waiting for this body's bytes
    private long askedAt; // when the proxy asked for more of the body (System.nanoTime()), 0: not waiting
    private boolean refused;

    MinimumBodyRate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (inBody && askedAt == 0) {
            askedAt = System.nanoTime();
        }
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            inBody = !(msg instanceof LastHttpContent);
            received = 0;
            waited = 0;
            askedAt = 0;
        } else if (msg instanceof HttpContent part && inBody) {
            if (askedAt != 0) {
                waited += System.nanoTime() - askedAt;
                askedAt = 0;
            }
            received += part.content().readableBytes();
            if (part instanceof LastHttpContent) {
                inBody = false;
            } else if (tooSlow()) {
                refused = true;
                ReferenceCountUtil.release(part);
                ctx.fireChannelRead(new RequestBodyRefused(Refusal.BODY_TOO_SLOW, HttpResponseStatus.REQUEST_TIMEOUT,
                        "request body slower than " + bytesPerSecond + " bytes/s").asLastPart());
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private boolean tooSlow() {
        return waited > GRACE_NANOS && received * 1_000_000_000.0 < (double) bytesPerSecond * waited;
    }
}
