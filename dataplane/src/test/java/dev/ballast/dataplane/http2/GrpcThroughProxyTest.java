package dev.ballast.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.Snapshot;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC through the proxy, grpc-java on both sides over real sockets: a client speaking h2c by prior knowledge to a
 * replica whose route sends {@code /test.Echo/} to an H2C backend. The four kinds of call, statuses and trailers from
 * the backend, the proxy's own failures as gRPC statuses (no route, an endpoint refusing, {@code grpc-timeout}
 * passed), and a backend that dies in the middle of a stream.
 */
class GrpcThroughProxyTest {

    static Server backend;
    static DataplaneServer server;
    static ManagedChannel channel;
    static Snapshot routes;

    @BeforeAll
    static void start() throws Exception {
        backend = EchoGrpc.startBackend(InsecureServerCredentials.create());
        int refusing;
        try (ServerSocket closed = new ServerSocket(0)) {
            refusing = closed.getLocalPort();
        }
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5)));
        server.start();
        routes = TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: grpc }
                spec:
                  backendProtocol: H2C
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/test.Echo/] }]
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: refusing }
                spec:
                  backendProtocol: H2C
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/test.Refusing/] }]
                """.formatted(backend.getPort(), refusing));
        server.apply(routes, "test");
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.trafficAddress().getPort(),
                InsecureChannelCredentials.create()).build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void unary() {
        assertThat(ClientCalls.blockingUnaryCall(channel, EchoGrpc.UNARY, CallOptions.DEFAULT, "hello"))
                .isEqualTo("echo:hello");
    }

    @Test
    void serverStreaming() {
        List<String> got = new ArrayList<>();
        Iterator<String> parts = ClientCalls.blockingServerStreamingCall(channel, EchoGrpc.SPLIT, CallOptions.DEFAULT,
                "abcd");
        parts.forEachRemaining(got::add);
        assertThat(got).containsExactly("a", "b", "c", "d");
    }

    @Test
    void clientStreaming() throws Exception {
        Collected answer = new Collected();
        StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(
                channel.newCall(EchoGrpc.JOIN, CallOptions.DEFAULT), answer);
        for (String part : List.of("x", "y", "z")) {
            requests.onNext(part);
        }
        requests.onCompleted();
        assertThat(answer.next()).isEqualTo("xyz");
        assertThat(answer.end()).isEqualTo(Status.Code.OK);
    }

    @Test
    void bidirectionalStreaming() throws Exception {
        Collected answers = new Collected();
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(EchoGrpc.CHAT, CallOptions.DEFAULT), answers);
        for (String line : List.of("one", "two", "three")) { // each answered before the next goes: both ways live
            requests.onNext(line);
            assertThat(answers.next()).isEqualTo(line.toUpperCase());
        }
        requests.onCompleted();
        assertThat(answers.end()).isEqualTo(Status.Code.OK);
    }

    @Test
    void theBackendsStatusAndTrailersComeThrough() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EchoGrpc.FAIL, CallOptions.DEFAULT, "thing"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing");
                    assertThat(e.getTrailers().get(EchoGrpc.DETAIL)).isEqualTo("from the backend");
                });
    }

    @Test
    void noRouteIsUnimplemented() {
        MethodDescriptor<String, String> elsewhere = EchoGrpc.UNARY.toBuilder()
                .setFullMethodName("other.Service/Call").build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, elsewhere, CallOptions.DEFAULT, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                    assertThat(e.getStatus().getDescription()).contains("no route");
                });
    }

    @Test
    void anEndpointThatRefusesIsUnavailable() {
        MethodDescriptor<String, String> refused = EchoGrpc.UNARY.toBuilder()
                .setFullMethodName("test.Refusing/Call").build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, refused, CallOptions.DEFAULT, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("refused the connection");
                });
    }

    @Test
    void grpcTimeoutBoundsTheUpstreamWait() throws Exception {
        // a raw client: grpc-java's own deadline would end the call before the proxy could show its bound
        try (RawH2Connection h2 = new RawH2Connection(server.trafficAddress().getPort())) {
            Http2Headers call = RawH2Connection.get("/test.Echo/Slow").method("POST")
                    .add("content-type", "application/grpc").add("te", "trailers").add("grpc-timeout", "300m");
            long started = System.nanoTime();
            h2.headers(1, call, false);
            h2.data(1, grpcMessage("x"), true);
            RawH2Connection.StreamAnswer answer = h2.await(1);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(answer.status()).isEqualTo("200");
            assertThat(answer.headers.get("grpc-status").toString()).isEqualTo("4"); // DEADLINE_EXCEEDED
            assertThat(answer.headers.get("content-type").toString()).isEqualTo("application/grpc");
            assertThat(tookMillis).isBetween(250L, 2500L);
        }
    }

    @Test
    void aBackendDyingMidStreamEndsTheCall() throws Exception {
        Server dying = EchoGrpc.startBackend(InsecureServerCredentials.create());
        try {
            server.apply(TestReplicas.routes("""
                    apiVersion: ballast.dev/v1alpha1
                    kind: Route
                    metadata: { name: dying }
                    spec:
                      backendProtocol: H2C
                      endpoints: [{ address: "127.0.0.1:%d" }]
                      rules: [{ paths: [/test.Echo/] }]
                    """.formatted(dying.getPort())), "test");
            EchoGrpc.ticking = new CountDownLatch(1);
            Collected ticks = new Collected();
            ClientCalls.asyncServerStreamingCall(channel.newCall(EchoGrpc.TICKS, CallOptions.DEFAULT), "go", ticks);
            assertThat(ticks.next()).isEqualTo("tick 0");
            assertThat(EchoGrpc.ticking.await(5, TimeUnit.SECONDS)).isTrue();
            dying.shutdownNow();
            assertThat(ticks.end()).isIn(Status.Code.UNAVAILABLE, Status.Code.INTERNAL, Status.Code.CANCELLED);
        } finally {
            dying.shutdownNow();
            server.apply(routes, "test"); // the other tests' routes again
        }
    }

    /** A gRPC length-prefixed message. */
    static byte[] grpcMessage(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + bytes.length).put((byte) 0).putInt(bytes.length).put(bytes).array();
    }

    /** A response observer whose messages and end a test awaits in order. */
    static final class Collected implements StreamObserver<String> {
        private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();

        @Override
        public void onNext(String value) {
            events.add(value);
        }

        @Override
        public void onError(Throwable t) {
            events.add(Status.fromThrowable(t).getCode());
        }

        @Override
        public void onCompleted() {
            events.add(Status.Code.OK);
        }

        String next() throws InterruptedException {
            Object event = events.poll(5, TimeUnit.SECONDS);
            assertThat(event).isInstanceOf(String.class);
            return (String) event;
        }

        Status.Code end() throws InterruptedException {
            while (true) {
                Object event = events.poll(5, TimeUnit.SECONDS);
                assertThat(event).as("the call's end").isNotNull();
                if (event instanceof Status.Code code) {
                    return code;
                }
            }
        }
    }
}
