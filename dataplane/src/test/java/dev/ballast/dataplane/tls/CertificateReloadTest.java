package dev.ballast.dataplane.tls;

import static dev.ballast.dataplane.tls.TlsTesting.served;
import static dev.ballast.dataplane.tls.TlsTesting.servedAnyway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.certificates.TestCa;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.Snapshot;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Certificates change under a running replica: a replaced, added or deleted file in {@code --certs} and a
 * {@code cert-*} secret apply to new handshakes within 2 s (measured from the write) while open connections keep
 * theirs; files that cannot be served are skipped and reported, and never take the others down.
 */
class CertificateReloadTest {

    private static final Duration RELOAD = Duration.ofSeconds(2);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;
    static TestCa ca;
    static HttpServer backend;
    static Snapshot snapshot;
    private static final AtomicInteger replicas = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "Ballast Reload CA");
        backend = TlsTesting.echoBackend();
        snapshot = TestReplicas.route("echo", "/", backend.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.stop(0);
        }
    }

    /** A replica of its own, serving {@code certs} and the {@code cert-*} secrets of {@code secrets}. */
    private static DataplaneServer replica(Path certs, Path secrets, String defaultCert) throws Exception {
        return TlsTesting.replica(certs, defaultCert, secrets, List.of(), snapshot);
    }

    private static Path fresh(String name) throws Exception {
        return Files.createDirectories(dir.resolve(name + "-" + replicas.incrementAndGet()));
    }

    private static BigInteger serial(TestCa.Issued issued) throws Exception {
        return TlsTesting.serialOf(issued.certificatePem());
    }

    /** Waits (polling handshakes) until {@code condition} holds, at most 2 s from {@code since} (System.nanoTime). */
    private static void within2s(long since, Callable<Boolean> condition) {
        Duration left = RELOAD.minusNanos(System.nanoTime() - since);
        await().atMost(left.isNegative() ? Duration.ZERO : left).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(50)).until(condition);
        assertThat(Duration.ofNanos(System.nanoTime() - since)).isLessThanOrEqualTo(RELOAD);
    }

    @Test
    void aReplacedCertificateReachesNewHandshakesWithin2sWhileAnOpenConnectionKeepsItsOwn() throws Exception {
        Path certs = fresh("certs");
        TestCa.Issued first = ca.issue("shop.example.com");
        first.writePem(certs, "shop");
        ca.issue("other.example.com").writePem(certs, "other");
        try (DataplaneServer server = replica(certs, fresh("secrets"), null)) {
            int port = TlsTesting.tlsPort(server);
            assertThat(served(ca.rootFile(), port, "shop.example.com").getSerialNumber()).isEqualTo(serial(first));
            try (SSLSocket open = TlsTesting.connect(TlsTesting.trusting(ca.rootFile()), port, "shop.example.com")) {
                assertThat(TlsTesting.exchange(open, TlsTesting.get("/before", "shop.example.com")).status())
                        .isEqualTo(200);

                TestCa.Issued renewed = ca.issue("shop.example.com"); // a new key, a new serial
                TlsTesting.writeAtomically(certs.resolve("shop.pem"), renewed.pem());
                long written = System.nanoTime();

                within2s(written, () -> served(ca.rootFile(), port, "shop.example.com").getSerialNumber()
                        .equals(serial(renewed)));
                X509Certificate now = served(ca.rootFile(), port, "shop.example.com");
                assertThat(now.getPublicKey()).isEqualTo(TlsTesting.certificate(renewed.certificatePem())
                        .getPublicKey()).isNotEqualTo(TlsTesting.certificate(first.certificatePem()).getPublicKey());

                // the connection made before the change carries on, with the certificate it was made with
                TlsTesting.Response after = TlsTesting.exchange(open, TlsTesting.get("/after", "shop.example.com"));
                assertThat(after.status()).isEqualTo(200);
                assertThat(after.body()).startsWith("GET /after\n");
                assertThat(((X509Certificate) open.getSession().getPeerCertificates()[0]).getSerialNumber())
                        .isEqualTo(serial(first));
            }
            // the certificate that did not change is still served
            assertThat(served(ca.rootFile(), port, "other.example.com").getSubjectX500Principal().getName())
                    .isEqualTo("CN=other.example.com");
        }
    }

    @Test
    void anAddedFileIsServedWithin2sAndADeletedOneNoLonger() throws Exception {
        Path certs = fresh("certs");
        TestCa.Issued base = ca.issue("base.example.com");
        base.writePem(certs, "base");
        try (DataplaneServer server = replica(certs, fresh("secrets"), "base")) {
            int port = TlsTesting.tlsPort(server);
            assertThat(served(ca.rootFile(), port, "new.example.com").getSerialNumber()).isEqualTo(serial(base));

            TestCa.Issued added = ca.issue("new.example.com");
            TlsTesting.writeAtomically(certs.resolve("new.pem"), added.pem());
            long written = System.nanoTime();
            within2s(written, () -> served(ca.rootFile(), port, "new.example.com").getSerialNumber()
                    .equals(serial(added)));
            assertThat(names(server)).contains("base", "new");

            Files.delete(certs.resolve("new.pem"));
            long deleted = System.nanoTime();
            within2s(deleted, () -> served(ca.rootFile(), port, "new.example.com").getSerialNumber()
                    .equals(serial(base)));
            assertThat(names(server)).containsExactly("base");
        }
    }

    @Test
    void certificateSecretsAreServedAndPickedUpWhileRunning() throws Exception {
        Path secrets = fresh("secrets");
        TestCa.Issued dashed = ca.issue("secret.example.com");
        Files.writeString(secrets.resolve("cert-secret"), dashed.pem());
        Files.writeString(secrets.resolve("other-secret"), "not a certificate, and not named as one");
        TestCa.Issued file = ca.issue("file.example.com");
        Path certs = fresh("certs");
        file.writePem(certs, "file");
        try (DataplaneServer server = replica(certs, secrets, "file")) {
            int port = TlsTesting.tlsPort(server);
            assertThat(served(ca.rootFile(), port, "secret.example.com").getSerialNumber()).isEqualTo(serial(dashed));
            assertThat(served(ca.rootFile(), port, "file.example.com").getSerialNumber()).isEqualTo(serial(file));

            TestCa.Issued underscored = ca.issue("late.example.com");
            TlsTesting.writeAtomically(secrets.resolve("cert_late"), underscored.pem());
            long written = System.nanoTime();
            within2s(written, () -> served(ca.rootFile(), port, "late.example.com").getSerialNumber()
                    .equals(serial(underscored)));

            JsonNode listed = certificates(server);
            assertThat(names(listed)).containsExactlyInAnyOrder("cert-secret", "cert_late", "file");
            assertThat(byName(listed, "cert-secret").path("hosts").get(0).asString()).isEqualTo("secret.example.com");
            assertThat(byName(listed, "cert-secret").path("condition").asString()).isEqualTo("Valid");
        }
    }

    @Test
    void badFilesAreSkippedAndReportedWhileTheGoodOnesAreServedAndKeysNeverShow() throws Exception {
        Path certs = fresh("certs");
        TestCa.Issued good = ca.issue("good.example.com");
        good.writePem(certs, "good");
        Instant now = Instant.now();
        TestCa.Issued expired = ca.issue(TestCa.KeyForm.EC, now.minus(100, ChronoUnit.DAYS),
                now.minus(10, ChronoUnit.DAYS), "expired.example.com");
        expired.writePem(certs, "expired");
        List<String> keys = new ArrayList<>(List.of(good.keyPem(), expired.keyPem()));
        keys.addAll(writeBadFiles(certs, "", "bad"));

        try (DataplaneServer server = replica(certs, fresh("secrets"), "good.pem")) {
            int port = TlsTesting.tlsPort(server);
            assertGoodServedAndBadReported(server, port, good, expired, "");

            // the same mistakes made while the replica runs
            keys.addAll(writeBadFiles(certs, "2", "worse"));
            long written = System.nanoTime();
            within2s(written, () -> names(server).containsAll(List.of("notpem2", "mismatch2", "wrongorder2")));
            assertGoodServedAndBadReported(server, port, good, expired, "");
            assertGoodServedAndBadReported(server, port, good, expired, "2");

            HttpResponse<String> listed = TlsTesting.admin(server, "/v1/docker-flow-proxy/certs");
            HttpResponse<String> config = TlsTesting.admin(server, "/v1/docker-flow-proxy/config");
            assertThat(config.statusCode()).isEqualTo(200);
            assertThat(config.body()).contains("good.example.com"); // the certificates are there, named
            for (String key : keys) {
                String slice = TlsTesting.keySlice(key);
                assertThat(listed.body()).doesNotContain(slice).doesNotContain("PRIVATE KEY");
                assertThat(config.body()).doesNotContain(slice).doesNotContain("PRIVATE KEY");
            }
        }
    }

    /**
     * Writes three files that cannot be served, named {@code notpem}, {@code mismatch} and {@code wrongorder} with
     * {@code suffix} (hosts {@code PREFIX-mismatch.example.com} and the like): not PEM at all, a certificate with
     * another certificate's key, and a chain with the CA's certificate before the leaf. Returns the keys written.
     */
    private static List<String> writeBadFiles(Path certs, String suffix, String prefix) throws Exception {
        TlsTesting.writeAtomically(certs.resolve("notpem" + suffix + ".pem"),
                "this is not a certificate\nMIIB but no BEGIN line\n");
        TestCa.Issued mismatchCertificate = ca.issue(prefix + "-mismatch.example.com");
        TestCa.Issued otherKey = ca.issue(prefix + "-other.example.com");
        TlsTesting.writeAtomically(certs.resolve("mismatch" + suffix + ".pem"),
                mismatchCertificate.certificatePem() + otherKey.keyPem());
        TestCa.Issued reversed = ca.issue(prefix + "-wrongorder.example.com");
        TlsTesting.writeAtomically(certs.resolve("wrongorder" + suffix + ".pem"),
                ca.rootPem() + reversed.certificatePem() + reversed.keyPem());
        return List.of(otherKey.keyPem(), reversed.keyPem());
    }

    private static void assertGoodServedAndBadReported(DataplaneServer server, int port, TestCa.Issued good,
                                                       TestCa.Issued expired, String suffix) throws Exception {
        assertThat(served(ca.rootFile(), port, "good.example.com").getSerialNumber()).isEqualTo(serial(good));
        // the expired one is served (clients warn), as HAProxy does: a validating client refuses it
        assertThat(servedAnyway(port, "expired.example.com").getSerialNumber()).isEqualTo(serial(expired));
        assertThatThrownBy(() -> served(ca.rootFile(), port, "expired.example.com")).isInstanceOf(SSLException.class);
        // hosts of skipped files get the default certificate
        for (String host : List.of("bad-mismatch.example.com", "bad-wrongorder.example.com",
                "worse-mismatch.example.com", "worse-wrongorder.example.com")) {
            assertThat(served(ca.rootFile(), port, host).getSerialNumber()).as(host).isEqualTo(serial(good));
        }

        JsonNode listed = certificates(server);
        assertThat(byName(listed, "good").path("condition").asString()).isEqualTo("Valid");
        JsonNode expiredReport = byName(listed, "expired");
        assertThat(expiredReport.path("condition").asString()).isEqualTo("Expired");
        assertThat(expiredReport.path("hosts").get(0).asString()).isEqualTo("expired.example.com");
        assertThat(expiredReport.path("reason").asString()).contains("expired");
        Path certs = Path.of(byName(listed, "good").path("source").asString()).getParent();
        assertInvalid(listed, "notpem" + suffix, certs, "not PEM");
        assertInvalid(listed, "mismatch" + suffix, certs, "does not match");
        assertInvalid(listed, "wrongorder" + suffix, certs, "wrong order");
    }

    private static void assertInvalid(JsonNode listed, String name, Path certs, String reason) {
        JsonNode report = byName(listed, name);
        assertThat(report.path("condition").asString()).as(name).isEqualTo("Invalid");
        assertThat(report.path("source").asString()).as(name).isEqualTo(certs.resolve(name + ".pem").toString());
        assertThat(report.path("reason").asString()).as(name).contains(reason);
    }

    private static JsonNode certificates(DataplaneServer server) throws Exception {
        HttpResponse<String> response = TlsTesting.admin(server, "/v1/docker-flow-proxy/certs");
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).path("certificates");
    }

    private static List<String> names(DataplaneServer server) throws Exception {
        return names(certificates(server));
    }

    private static List<String> names(JsonNode listed) {
        List<String> names = new ArrayList<>();
        listed.forEach(report -> names.add(report.path("name").asString()));
        return names;
    }

    private static JsonNode byName(JsonNode listed, String name) {
        for (JsonNode report : listed) {
            if (report.path("name").asString().equals(name)) {
                return report;
            }
        }
        throw new AssertionError("no certificate named " + name + " in " + listed);
    }
}
