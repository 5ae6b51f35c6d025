package dev.ballast.dataplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.observability.netty.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code OTEL_EXPORTER_OTLP_PROTOCOL=grpc}: spans and metrics reach a gRPC receiver (HTTP/2 without TLS, as a
 * collector's port 4317 speaks it) started by the test; it answers each export as a collector does (an empty message,
 * then {@code grpc-status: 0}).
 */
class GrpcOtlpExportTest {

    final ReceivedExports received = new ReceivedExports();
    EventLoopGroup receiverLoops;
    Channel receiver;
    ExportingReplica replica;

    @BeforeEach
    void start() throws Exception {
        receiverLoops = Transports.group(1);
        receiver = new ServerBootstrap().group(receiverLoops).channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(new ExportCall());
                                    }
                                }));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        replica = new ExportingReplica("http://127.0.0.1:" + ((InetSocketAddress) receiver.localAddress()).getPort(),
                "grpc", "grpc-exported");
    }

    @AfterEach
    void stop() {
        replica.close();
        receiver.close();
        receiverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One export call: the request's path and message bytes are kept; the answer is what a collector sends. */
    private final class ExportCall extends SimpleChannelInboundHandler<Http2StreamFrame> {
        private String path;
        private final ByteArrayOutputStream message = new ByteArrayOutputStream();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            boolean end = false;
            if (frame instanceof Http2HeadersFrame headers) {
                path = String.valueOf(headers.headers().path());
                end = headers.isEndStream();
            } else if (frame instanceof Http2DataFrame data) {
                byte[] bytes = new byte[data.content().readableBytes()];
                data.content().readBytes(bytes);
                message.writeBytes(bytes);
                end = data.isEndStream();
            }
            if (!end) {
                return;
            }
            received.add(path, message.toByteArray());
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                    .set("content-type", "application/grpc")));
            ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[5]))); // uncompressed, 0 bytes long
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true));
        }
    }

    @Test
    void spansAndMetricsReachAGrpcReceiver() throws Exception {
        replica.request();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(received.text("/opentelemetry.proto.collector.trace.v1.TraceService/Export"))
                    .contains("GET grpc-exported", "http.route", "ballast-dataplane");
            assertThat(received.text("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"))
                    .contains("http.server.request.duration", "grpc-exported");
        });
    }
}
