package dev.ballast.dist.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.certificates.TestCa;
import dev.ballast.config.ConfigResolver;
import dev.ballast.config.ControllerConfig;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.controller.Controller;
import dev.ballast.dataplane.Replica;
import dev.ballast.schema.TlsCertificate;
import dev.ballast.sim.SwarmSim;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate pushed the Docker Flow way, on a replica's admin port, goes through that replica (with its token) to
 * the controller, and within 2 s every replica pulling with the token has it and serves it on its HTTPS listener; a
 * replica without the token gets nothing, and the controller refuses its push. Real sockets, settings resolved as the
 * command line gives them.
 */
class CertificateDistributionEndToEndTest {

    private static final Duration WITHIN = Duration.ofSeconds(2);

    @TempDir
    Path tmp;
    SwarmSim sim;
    Controller controller;
    Path token;
    final List<Replica> replicas = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        String engine = sim.listen("127.0.0.1:0");
        sim.createNetwork("proxy", true);
        token = Files.writeString(tmp.resolve("token"), "e2e-token\n");
        controller = Controller.start(ControllerConfig.from(ConfigResolver.resolve("controller",
                ControllerConfig.SETTINGS, Optional.empty(), Map.of(), Map.of("dockerHost", engine,
                        "listen", "127.0.0.1:0", "tokenFile", token.toString(),
                        "stateDir", tmp.resolve("state").toString()))), Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        replicas.forEach(Replica::close);
        controller.close();
        sim.close();
    }

    private Replica replica(String id, Optional<Path> tokenFile) throws Exception {
        Map<String, String> flags = new HashMap<>(Map.of("controllers", "http://127.0.0.1:"
                + controller.address().getPort(), "listen", "127.0.0.1:0", "adminListen", "127.0.0.1:0",
                "tlsListen", "127.0.0.1:0"));
        tokenFile.ifPresent(f -> flags.put("tokenFile", f.toString()));
        Replica replica = Replica.start(DataplaneConfig.from(ConfigResolver.resolve("dataplane",
                DataplaneConfig.SETTINGS, Optional.empty(), Map.of(), flags), id));
        replicas.add(replica);
        return replica;
    }

    private static HttpResponse<String> push(Replica replica, String name, String pem) throws Exception {
        return SwarmSystem.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + replica.server().adminAddress().getPort() + "/v1/docker-flow-proxy/cert?certName=" + name))
                .PUT(HttpRequest.BodyPublishers.ofString(pem)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aCertificatePushedOnAReplicaReachesEveryReplicaWithTheToken() throws Exception {
        Replica one = replica("one", Optional.of(token));
        Replica two = replica("two", Optional.of(token));
        Replica stranger = replica("stranger", Optional.empty());
        await().atMost(Duration.ofSeconds(10)).until(() -> one.server().ready() && two.server().ready());

        TestCa ca = TestCa.create(tmp.resolve("ca"), "E2E CA");
        TestCa.Issued shop = ca.issue("shop.example.com");
        HttpResponse<String> pushed = push(one, "shop", shop.pem());
        assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
        long pushedAt = System.nanoTime();

        TlsCertificate expected = new TlsCertificate("shop", shop.pem());
        SSLContext trusting = trusting(ca.rootFile());
        for (Replica replica : List.of(one, two)) {
            await().atMost(WITHIN.minusNanos(System.nanoTime() - pushedAt)).pollInterval(Duration.ofMillis(20))
                    .until(() -> replica.server().snapshot().certificates().contains(expected));
            assertThat(servedTo(trusting, replica, "shop.example.com").getSubjectX500Principal().getName())
                    .as("served on the HTTPS listener").isEqualTo("CN=shop.example.com");
        }
        assertThat(stranger.server().ready()).as("refused by the controller, it never got a snapshot").isFalse();
        assertThat(stranger.server().snapshot().certificates()).isEmpty();

        HttpResponse<String> refused = push(stranger, "other", shop.pem());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
        assertThat(controller.certificates()).extracting(c -> c.name()).containsExactly("shop");
    }

    /** The certificate a replica's HTTPS listener presents for {@code serverName}, verified against the CA. */
    private static X509Certificate servedTo(SSLContext trusting, Replica replica, String serverName) throws Exception {
        try (SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1",
                replica.server().tlsAddresses().get(0).getPort())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private static SSLContext trusting(Path caFile) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
