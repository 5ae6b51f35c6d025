package dev.ballast.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.certificates.TestCa;
import dev.ballast.config.ControllerConfig;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import dev.ballast.schema.TlsCertificate;
import dev.ballast.sim.SwarmSim;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Certificates through the controller, over real sockets against the emulator: the bearer token that guards every
 * endpoint but the probes, Docker Flow's certificate API, persistence in the state directory, distribution in
 * snapshots only with a token, a --certs directory followed, and keys never shown.
 */
class CertificateDistributionTest {

    private static final String TOKEN = "s3cr3t-token-0123456789";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path caDir;
    static TestCa ca;

    @TempDir
    Path tmp;
    SwarmSim sim;
    String dockerHost;
    Controller controller;
    String base;

    @BeforeAll
    static void makeCa() throws Exception {
        ca = TestCa.create(caDir, "Controller Test CA");
    }

    @BeforeEach
    void startSim() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        dockerHost = sim.listen("127.0.0.1:0");
        sim.createNetwork("proxy", true);
    }

    @AfterEach
    void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
        sim.close();
    }

    private void start(boolean withToken, Optional<Path> certs, Optional<Path> stateDir) throws Exception {
        Optional<Path> tokenFile = Optional.empty();
        if (withToken) {
            tokenFile = Optional.of(Files.writeString(tmp.resolve("token"), TOKEN + "\n"));
        }
        ControllerConfig c = ControllerHarness.config(dockerHost, Optional.empty());
        controller = Controller.start(new ControllerConfig(c.dockerHost(), c.listen(), c.routesDir(), c.network(),
                c.notifyLabel(), c.separator(), c.httpsOnly(), c.resyncInterval(), c.taskPollInterval(), c.debounce(),
                c.eventWatchdog(), c.replicaLagDeadline(), c.replicaTtl(), c.snapshotHistory(), c.instanceName(),
                tokenFile, certs, stateDir), Clock.systemUTC());
        base = "http://127.0.0.1:" + controller.address().getPort();
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/readyz", null, null).statusCode() == 200);
    }

    private HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Snapshot pulled(String token) throws Exception {
        return RouteJson.read(send("GET", "/v1/snapshot?replica=r1&version=&wait=1s", null, token).body(),
                SnapshotUpdate.class).applyTo(null);
    }

    private static String keySlice(TestCa.Issued issued) {
        String key = issued.keyPem();
        return key.substring(key.indexOf('\n') + 1).substring(10, 50);
    }

    @Test
    void withATokenEveryEndpointButTheProbesRefusesRequestsWithoutIt() throws Exception {
        start(true, Optional.empty(), Optional.empty());
        for (String path : new String[] {"/v1/status", "/v1/snapshot?replica=r1&version=",
                "/v1/docker-flow-proxy/config", "/v1/docker-flow-proxy/certs",
                "/v1/docker-flow-proxy/reconfigure?serviceName=a&port=80&servicePath=/a",
                "/v1/docker-flow-swarm-listener/get-services"}) {
            HttpResponse<String> none = send("GET", path, null, null);
            assertThat(none.statusCode()).as(path + " without a token").isEqualTo(401);
            assertThat(none.body()).contains("Bearer").doesNotContain(TOKEN);
            assertThat(send("GET", path, null, "wrong").statusCode()).as(path + " with a wrong token").isEqualTo(401);
        }
        assertThat(send("PUT", "/v1/docker-flow-proxy/cert?certName=x", ca.issue("x.example.com").pem(), null)
                .statusCode()).isEqualTo(401);
        for (String open : new String[] {"/healthz", "/readyz", "/metrics", "/v1/docker-flow-proxy/ping"}) {
            assertThat(send("GET", open, null, null).statusCode()).as(open + " stays open").isEqualTo(200);
        }
        assertThat(send("GET", "/v1/status", null, TOKEN).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/metrics", null, null).body()).doesNotContain(TOKEN);
    }

    @Test
    void aPushedCertificateReachesSnapshotsIsListedWithoutItsKeyAndCanBeDeleted() throws Exception {
        start(true, Optional.empty(), Optional.empty());
        TestCa.Issued shop = ca.issue("shop.example.com", "www.shop.example.com");

        HttpResponse<String> put = send("PUT", "/v1/docker-flow-proxy/cert?certName=shop", shop.pem(), TOKEN);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body()).contains("\"Status\":\"OK\"").contains("in memory only");

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(pulled(TOKEN).certificates())
                .containsExactly(new TlsCertificate("shop", shop.pem())));
        JsonNode certs = ControllerHarness.JSON.readTree(send("GET", "/v1/docker-flow-proxy/certs", null, TOKEN)
                .body());
        assertThat(certs.get("Certs").get(0).get("name").asText()).isEqualTo("shop");
        assertThat(certs.get("Certs").get(0).get("hosts").toString()).contains("www.shop.example.com");
        assertThat(certs.get("Certs").get(0).get("condition").asText()).isEqualTo("Valid");
        String status = send("GET", "/v1/status", null, TOKEN).body();
        assertThat(status).contains("\"shop\"").contains("Controller Test CA");
        for (String shown : new String[] {certs.toString(), status,
                send("GET", "/v1/docker-flow-proxy/config", null, TOKEN).body()}) {
            assertThat(shown).doesNotContain(keySlice(shop)).doesNotContain("PRIVATE KEY");
        }

        assertThat(send("DELETE", "/v1/docker-flow-proxy/cert?certName=shop", null, TOKEN).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(pulled(TOKEN).certificates()).isEmpty());
        assertThat(send("DELETE", "/v1/docker-flow-proxy/cert?certName=shop", null, TOKEN).statusCode())
                .isEqualTo(404);
    }

    @Test
    void aBadPushIsRefusedNamingWhyAndChangesNothing() throws Exception {
        start(true, Optional.empty(), Optional.empty());
        TestCa.Issued good = ca.issue("good.example.com");
        assertThat(send("PUT", "/v1/docker-flow-proxy/cert?certName=good", good.pem(), TOKEN).statusCode())
                .isEqualTo(200);
        TestCa.Issued other = ca.issue("other.example.com");

        HttpResponse<String> notPem = send("PUT", "/v1/docker-flow-proxy/cert?certName=bad", "hello", TOKEN);
        assertThat(notPem.statusCode()).isEqualTo(400);
        assertThat(notPem.body()).contains("certificate bad: not PEM");
        HttpResponse<String> mismatch = send("PUT", "/v1/docker-flow-proxy/cert?certName=good",
                good.certificatePem() + other.keyPem(), TOKEN);
        assertThat(mismatch.statusCode()).isEqualTo(400);
        assertThat(mismatch.body()).contains("the private key does not match the certificate");
        HttpResponse<String> badName = send("PUT", "/v1/docker-flow-proxy/cert?certName=../etc", good.pem(), TOKEN);
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(badName.body()).contains("certName");

        assertThat(pulled(TOKEN).certificates()).containsExactly(new TlsCertificate("good", good.pem()));
    }

    @Test
    void pushedCertificatesSurviveARestartInFilesOnlyTheirOwnerReads() throws Exception {
        Path state = tmp.resolve("state");
        start(true, Optional.empty(), Optional.of(state));
        TestCa.Issued kept = ca.issue("kept.example.com");
        HttpResponse<String> put = send("PUT", "/v1/docker-flow-proxy/cert?certName=kept", kept.pem(), TOKEN);
        assertThat(put.body()).doesNotContain("in memory only");
        Path file = state.resolve("certs").resolve("kept.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");

        controller.close();
        controller = null;
        start(true, Optional.empty(), Optional.of(state));

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(pulled(TOKEN).certificates())
                .containsExactly(new TlsCertificate("kept", kept.pem())));
    }

    @Test
    void withoutATokenKeysAreNotDistributedAndTheStatusSaysSo() throws Exception {
        Path certs = Files.createDirectories(tmp.resolve("certs"));
        ca.issue("plain.example.com").writePem(certs, "plain");
        start(false, Optional.of(certs), Optional.empty());

        assertThat(pulled(null).certificates()).isEmpty();
        String status = send("GET", "/v1/status", null, null).body();
        assertThat(status).contains("certificates are not distributed").contains("\"plain\"");
    }

    @Test
    void theCertsDirectoryIsFollowed_aBrokenFileIsReportedAndTheOthersStay() throws Exception {
        Path certs = Files.createDirectories(tmp.resolve("certs"));
        TestCa.Issued first = ca.issue("first.example.com");
        first.writePem(certs, "first");
        start(true, Optional.of(certs), Optional.empty());
        assertThat(pulled(TOKEN).certificates()).extracting(TlsCertificate::name).containsExactly("first");

        TestCa.Issued second = ca.issue("second.example.com");
        second.writePem(certs, "second");
        Files.writeString(certs.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        long written = System.nanoTime();
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(pulled(TOKEN).certificates()).extracting(TlsCertificate::name)
                        .containsExactly("first", "second"));
        assertThat(Duration.ofNanos(System.nanoTime() - written)).isLessThan(Duration.ofSeconds(2));
        String status = send("GET", "/v1/status", null, TOKEN).body();
        assertThat(status).contains("\"broken\"").contains("Invalid").contains("certificate 1 cannot be read");
    }
}
