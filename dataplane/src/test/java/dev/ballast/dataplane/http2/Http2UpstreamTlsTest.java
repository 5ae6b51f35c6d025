package dev.ballast.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.certificates.TestCa;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.ClientCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backendProtocol: H2}: HTTP/2 over TLS to the endpoints, their certificates checked against
 * {@code --backend-ca-file}. A gRPC backend with a certificate from that CA is served; one whose certificate comes
 * from another CA is refused, and the call fails UNAVAILABLE.
 */
class Http2UpstreamTlsTest {

    @TempDir
    static Path dir;
    static Server trusted;
    static Server stranger;
    static DataplaneServer server;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = TestCa.create(dir.resolve("ca"), "Backend CA");
        TestCa other = TestCa.create(dir.resolve("other"), "Another CA");
        trusted = EchoGrpc.startBackend(credentials(ca.issue("backend.internal"), "trusted"));
        stranger = EchoGrpc.startBackend(credentials(other.issue("backend.internal"), "stranger"));
        server = new DataplaneServer(TestReplicas.withBackendCa(TestReplicas.config(Duration.ofSeconds(5)),
                ca.rootFile()));
        server.start();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: trusted }
                spec:
                  backendProtocol: H2
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/test.Echo/] }]
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: stranger }
                spec:
                  backendProtocol: H2
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/test.Stranger/] }]
                """.formatted(trusted.getPort(), stranger.getPort())), "test");
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.trafficAddress().getPort(),
                InsecureChannelCredentials.create()).build();
    }

    private static io.grpc.ServerCredentials credentials(TestCa.Issued issued, String name) throws Exception {
        Path chain = Files.writeString(dir.resolve(name + ".crt"), issued.certificatePem());
        Path key = Files.writeString(dir.resolve(name + ".key"), issued.keyPem());
        return TlsServerCredentials.newBuilder().keyManager(chain.toFile(), key.toFile()).build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
        for (Server backend : new Server[] {trusted, stranger}) {
            if (backend != null) {
                backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aBackendWithACertificateFromTheCaIsServed() {
        assertThat(ClientCalls.blockingUnaryCall(channel, EchoGrpc.UNARY, CallOptions.DEFAULT, "tls"))
                .isEqualTo("echo:tls");
    }

    @Test
    void aBackendWithAnotherCasCertificateIsRefused() {
        var elsewhere = EchoGrpc.UNARY.toBuilder().setFullMethodName("test.Stranger/Unary").build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, elsewhere, CallOptions.DEFAULT, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
