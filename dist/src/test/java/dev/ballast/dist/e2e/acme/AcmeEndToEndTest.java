package dev.ballast.dist.e2e.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import dev.ballast.certificates.TestCa;
import dev.ballast.config.ConfigResolver;
import dev.ballast.config.ControllerConfig;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.controller.Controller;
import dev.ballast.controller.acme.AcmeReport;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.dataplane.Replica;
import dev.ballast.dist.demo.WhoamiService;
import dev.ballast.sim.SwarmSim;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
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
 * ACME end to end against Pebble, Let's Encrypt's test CA: a service labelled {@code com.df.letsencrypt.host} in the
 * emulator gets a certificate the controller orders once, validated over HTTP-01 through a replica's plain listener
 * (Pebble resolves the host to 127.0.0.1 with the test's DNS responder), and every replica serves it, chained to
 * Pebble's root. Settings are resolved from the command-line names, as {@code ballast controller} does.
 */
class AcmeEndToEndTest {

    private static final Duration ISSUED_WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    SwarmSim sim;
    String engine;
    DockerClient docker;
    Path token;
    int controllerPort;
    Controller controller;
    Pebble pebble;
    final List<Replica> replicas = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        engine = sim.listen("127.0.0.1:0");
        sim.createNetwork("proxy", true);
        docker = DockerClients.connect(engine, Duration.ofSeconds(10));
        token = Files.writeString(tmp.resolve("token"), "acme-e2e-token\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        try (ServerSocket free = new ServerSocket(0)) {
            controllerPort = free.getLocalPort(); // replicas start first: Pebble must know a replica's port
        }
    }

    @AfterEach
    void stop() throws Exception {
        replicas.forEach(Replica::close);
        if (controller != null) {
            controller.close();
        }
        if (pebble != null) {
            pebble.close();
        }
        docker.close();
        sim.close();
    }

    private void startPebble(int httpPort) throws Exception {
        startPebble(Pebble.Options.defaults().withHttpPort(httpPort));
    }

    private void startPebble(Pebble.Options options) throws Exception {
        pebble = Pebble.start(Files.createDirectories(tmp.resolve("pebble")), options);
    }

    private Controller startController(Map<String, String> extra) throws Exception {
        controller = controllerOn(controllerPort, extra);
        return controller;
    }

    private Controller controllerOn(int port, Map<String, String> extra) throws Exception {
        Map<String, String> flags = new HashMap<>(Map.of("dockerHost", engine, "listen",
                "127.0.0.1:" + port, "tokenFile", token.toString(), "acmeEmail", "ops@example.test",
                "acmeDirectory", pebble.directoryUrl(), "acmeCaFile", pebble.caFile().toString(),
                "acmeStorage", tmp.resolve("acme").toString(), "acmeRetryBase", "1s"));
        flags.putAll(extra);
        return Controller.start(ControllerConfig.from(ConfigResolver.resolve("controller",
                ControllerConfig.SETTINGS, Optional.empty(), Map.of(), flags)), Clock.systemUTC());
    }

    private Replica replica(String id, Path stateDir) throws Exception {
        Map<String, String> flags = new HashMap<>(Map.of("controllers", "http://127.0.0.1:" + controllerPort,
                "listen", "127.0.0.1:0", "adminListen", "127.0.0.1:0", "tlsListen", "127.0.0.1:0",
                "tokenFile", token.toString()));
        if (stateDir != null) {
            flags.put("stateDir", stateDir.toString());
        }
        Replica replica = Replica.start(DataplaneConfig.from(ConfigResolver.resolve("dataplane",
                DataplaneConfig.SETTINGS, Optional.empty(), Map.of(), flags), id));
        replicas.add(replica);
        return replica;
    }

    private void shop(String host) {
        docker.createServiceCmd(WhoamiService.spec("shop", 1, "proxy", Map.of("com.df.notify", "true",
                "com.df.servicePath", "/", "com.df.serviceDomain", host, "com.df.port", "8080",
                "com.df.letsencrypt.host", host))).exec();
    }

    @Test
    void aLabelledServiceGetsOneCertificateThatEveryReplicaServesAndKeeps() throws Exception {
        Replica one = replica("one", tmp.resolve("one-state"));
        startPebble(one.server().trafficAddress().getPort());
        startController(Map.of());
        shop("shop.test");

        SSLContext pebbleTrust = trusting(pebble.rootCertificates());
        await().atMost(ISSUED_WITHIN).pollInterval(Duration.ofMillis(200))
                .until(() -> servedTo(pebbleTrust, one, "shop.test").isPresent());
        X509Certificate served = servedTo(pebbleTrust, one, "shop.test").orElseThrow();
        assertThat(served.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
                .containsExactly("shop.test");
        assertThat(pebble.count("Added order")).isEqualTo(1);
        assertThat(pebble.dns().queried("shop.test")).as("Pebble resolved the host with the test's DNS")
                .isPositive();
        AcmeReport report = controller.acme().get(0);
        assertThat(report.state()).isEqualTo("Issued");
        assertThat(report.routes()).containsExactly("shop");
        assertThat(report.nextRenewal()).isBefore(report.notAfter());
        assertThat(Files.getPosixFilePermissions(tmp.resolve("acme/acme-shop.test.pem")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(tmp.resolve("acme/account.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String status = get("/v1/status");
        assertThat(status).contains("\"acme\"").contains("acme-shop.test").doesNotContain("PRIVATE KEY");
        assertThat(get("/v1/docker-flow-proxy/certs")).contains("\"Acme\"").contains("nextRenewal")
                .doesNotContain("PRIVATE KEY");
        assertThat(get("/metrics")).containsPattern("ballast_acme_orders_total\\{[^}]*result=\"issued\"} 1")
                .contains("ballast_acme_certificate_expiry_days");

        // A controller restart finds the certificate in its storage: nothing is ordered again.
        controller.close();
        startController(Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> !controller.acme().isEmpty()
                && "Issued".equals(controller.acme().get(0).state()));
        Thread.sleep(1500);
        assertThat(pebble.count("Added order")).as("orders after a controller restart").isEqualTo(1);

        // A replica that starts late gets the same certificate in its first snapshot.
        Replica late = replica("late", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> servedTo(pebbleTrust, late, "shop.test")
                .map(c -> c.getSerialNumber().equals(served.getSerialNumber())).orElse(false));

        // With the controller gone, a replica restarted from its state still serves it.
        controller.close();
        controller = null;
        one.close();
        replicas.remove(one);
        Replica again = replica("one", tmp.resolve("one-state"));
        await().atMost(Duration.ofSeconds(10)).until(() -> servedTo(pebbleTrust, again, "shop.test")
                .map(c -> c.getSerialNumber().equals(served.getSerialNumber())).orElse(false));
    }

    /** Pebble also rejects some nonces here, as real CAs do: the client must retry with a fresh one. */
    @Test
    void aShortLivedCertificateIsRenewedWithoutADroppedRequest() throws Exception {
        Replica one = replica("one", null);
        startPebble(Pebble.Options.defaults().withHttpPort(one.server().trafficAddress().getPort())
                .withCertificateValidity(Duration.ofSeconds(15)).withNonceRejectPercent(15));
        startController(Map.of());
        shop("shop.test");
        SSLContext pebbleTrust = trusting(pebble.rootCertificates());
        await().atMost(ISSUED_WITHIN).pollInterval(Duration.ofMillis(200))
                .until(() -> servedTo(pebbleTrust, one, "shop.test").isPresent());
        java.math.BigInteger first = servedTo(pebbleTrust, one, "shop.test").orElseThrow().getSerialNumber();

        // New connections all along (each one handshakes with the certificate in force): none may fail.
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        int requests = 0;
        java.math.BigInteger now = first;
        while (now.equals(first) && System.nanoTime() < deadline) {
            now = httpsGet(pebbleTrust, one, "shop.test");
            requests++;
            Thread.sleep(20);
        }
        assertThat(now).as("renewed after two thirds of 15 s").isNotEqualTo(first);
        assertThat(requests).isGreaterThan(10);
        assertThat(pebble.count("Added order")).isEqualTo(2);
    }

    @Test
    void twoControllersSharingTheStorageOrderOnce() throws Exception {
        Replica one = replica("one", null);
        startPebble(one.server().trafficAddress().getPort());
        // The second controller comes first; no replica pulls from it, so it leaves the order to the first and
        // serves what the first stored.
        try (Controller second = controllerOn(0, Map.of())) {
            startController(Map.of());
            shop("shop.test");
            SSLContext pebbleTrust = trusting(pebble.rootCertificates());
            await().atMost(ISSUED_WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> servedTo(pebbleTrust, one, "shop.test").isPresent());
            await().atMost(Duration.ofSeconds(15)).until(() -> !second.acme().isEmpty()
                    && "Issued".equals(second.acme().get(0).state()));
            assertThat(second.acme().get(0).notAfter()).isEqualTo(controller.acme().get(0).notAfter());
            await().atMost(Duration.ofSeconds(5)).until(() -> second.store().current().certificates().stream()
                    .anyMatch(c -> c.name().equals("acme-shop.test")));
            assertThat(pebble.count("Added order")).as("one order between two controllers").isEqualTo(1);
        }
    }

    /** One HTTPS request on a new connection; its certificate's serial. Fails the test on any error. */
    private static java.math.BigInteger httpsGet(SSLContext trust, Replica replica, String host) throws Exception {
        try (SSLSocket socket = connect(trust, replica, host)) {
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200");
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    @Test
    void aRefusedValidationIsAConditionWithTheCasMessageAndOtherCertificatesStay() throws Exception {
        Replica one = replica("one", null);
        int nobody;
        try (ServerSocket free = new ServerSocket(0)) {
            nobody = free.getLocalPort(); // Pebble validates where nothing answers
        }
        startPebble(nobody);
        Path certs = Files.createDirectories(tmp.resolve("certs"));
        TestCa ca = TestCa.create(tmp.resolve("ca"), "Operator CA");
        ca.issue("static.test").writePem(certs, "static");
        startController(Map.of("certs", certs.toString()));
        shop("shop.test");
        docker.createServiceCmd(WhoamiService.spec("wild", 1, "proxy", Map.of("com.df.notify", "true",
                "com.df.servicePath", "/", "com.df.serviceDomain", "*.wild.test", "com.df.port", "8080",
                "com.df.letsencrypt.host", "*.wild.test"))).exec();

        await().atMost(ISSUED_WITHIN).pollInterval(Duration.ofMillis(200)).until(() -> !controller.acme().isEmpty()
                && controller.acme().get(0).failures() >= 2);
        AcmeReport failed = controller.acme().get(0);
        assertThat(failed.state()).isEqualTo("Pending");
        assertThat(failed.lastError()).as("the CA's message").contains("connection refused");
        assertThat(failed.retryAt()).isAfter(java.time.Instant.now().minusSeconds(1));
        String status = get("/v1/status");
        assertThat(status).contains("AcmeFailed").contains("AcmeRefused").contains("*.wild.test is a wildcard");
        assertThat(get("/metrics")).containsPattern("ballast_acme_orders_total\\{[^}]*result=\"failed\"}");
        // Backoff: a handful of orders in this time, not one per pass.
        assertThat(pebble.count("Added order")).isBetween(2, 6);

        SSLContext operatorTrust = trusting(List.of((X509Certificate) java.security.cert.CertificateFactory
                .getInstance("X.509").generateCertificate(Files.newInputStream(ca.rootFile()))));
        await().atMost(Duration.ofSeconds(10)).until(() -> servedTo(operatorTrust, one, "static.test").isPresent());
    }

    private String get(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + controllerPort + path)).header("Authorization", "Bearer acme-e2e-token")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    /** A TLS connection to a replica's HTTPS listener, asking for {@code host}; the handshake comes with first use. */
    private static SSLSocket connect(SSLContext trust, Replica replica, String host) throws java.io.IOException {
        SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1",
                replica.server().tlsAddresses().get(0).getPort());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(host)));
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** The leaf a replica's HTTPS listener presents for {@code host}, when its chain verifies against the trust. */
    private static Optional<X509Certificate> servedTo(SSLContext trust, Replica replica, String host) {
        try (SSLSocket socket = connect(trust, replica, host)) {
            socket.startHandshake();
            return Optional.of((X509Certificate) socket.getSession().getPeerCertificates()[0]);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static SSLContext trusting(List<X509Certificate> roots) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        for (int i = 0; i < roots.size(); i++) {
            store.setCertificateEntry("root-" + i, roots.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
