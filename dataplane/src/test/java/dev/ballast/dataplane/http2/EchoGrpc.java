package dev.ballast.dataplane.http2;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * A gRPC service for tests, {@code test.Echo}, with text messages (no generated code): a method of each call kind,
 * one that fails with a status and trailers, one that answers after 3 s, and one that streams and never ends.
 */
public final class EchoGrpc {

    public static final Metadata.Key<String> DETAIL = Metadata.Key.of("x-detail", Metadata.ASCII_STRING_MARSHALLER);
    public static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    public static final MethodDescriptor<String, String> UNARY = method("Unary", MethodType.UNARY);
    public static final MethodDescriptor<String, String> SPLIT = method("Split", MethodType.SERVER_STREAMING);
    public static final MethodDescriptor<String, String> JOIN = method("Join", MethodType.CLIENT_STREAMING);
    public static final MethodDescriptor<String, String> CHAT = method("Chat", MethodType.BIDI_STREAMING);
    public static final MethodDescriptor<String, String> FAIL = method("Fail", MethodType.UNARY);
    public static final MethodDescriptor<String, String> SLOW = method("Slow", MethodType.UNARY);
    public static final MethodDescriptor<String, String> TICKS = method("Ticks", MethodType.SERVER_STREAMING);

    /** Set by Ticks once it has sent its first messages: a test may then kill the backend. */
    public static volatile CountDownLatch ticking = new CountDownLatch(1);

    private EchoGrpc() {
    }

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    }

    /** A server of the service on a port of its own, with {@code credentials} (plaintext or TLS). */
    public static Server startBackend(ServerCredentials credentials) throws IOException {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("test.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, out) -> {
                    out.onNext("echo:" + request);
                    out.onCompleted();
                }))
                .addMethod(SPLIT, ServerCalls.asyncServerStreamingCall((request, out) -> {
                    for (char c : request.toCharArray()) {
                        out.onNext(String.valueOf(c));
                    }
                    out.onCompleted();
                }))
                .addMethod(JOIN, ServerCalls.asyncClientStreamingCall((StreamObserver<String> out) ->
                        new StreamObserver<String>() {
                    private final StringBuilder joined = new StringBuilder();

                    @Override
                    public void onNext(String value) {
                        joined.append(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onNext(joined.toString());
                        out.onCompleted();
                    }
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall((StreamObserver<String> out) ->
                        new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        out.onNext(value.toUpperCase());
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((request, out) -> {
                    Metadata trailers = new Metadata();
                    trailers.put(DETAIL, "from the backend");
                    out.onError(Status.NOT_FOUND.withDescription("no such " + request).asRuntimeException(trailers));
                }))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((request, out) -> {
                    // answers after 3 s, long after the callers' deadlines
                    new Thread(() -> {
                        try {
                            Thread.sleep(3000);
                            out.onNext("late");
                            out.onCompleted();
                        } catch (Exception e) {
                            // the call was cancelled
                        }
                    }).start();
                }))
                .addMethod(TICKS, ServerCalls.asyncServerStreamingCall((request, out) -> {
                    for (int i = 0; i < 3; i++) {
                        out.onNext("tick " + i);
                    }
                    ticking.countDown(); // and never completes: the backend dies under it
                }))
                .build();
        return Grpc.newServerBuilderForPort(0, credentials).addService(echo).build().start();
    }

}
