package dev.ballast.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.certificates.TestCa;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.AcmeChallenge;
import dev.ballast.schema.Snapshot;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACME HTTP-01 answers: a challenge in the snapshot is answered on the plain listener before routing (even for a host
 * whose route redirects every plain request to https, since the CA validates over plain HTTP), with exactly the key
 * authorization. Tokens the snapshot does not carry, and the same path over TLS, are routed as any request is.
 */
class AcmeChallengeAnswerTest {

    private static final String HTTPS_ONLY = """
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: shop }
            spec:
              endpoints: [{ address: "127.0.0.1:%d" }]
              rules: [{ hosts: [shop.example.com], paths: [/], redirect: { httpsOnly: true } }]
            """;
    private static final AcmeChallenge CHALLENGE = new AcmeChallenge("tok-EN_123",
            "tok-EN_123.thumbprint-of-the-account-key");

    @TempDir
    static Path dir;
    static HttpServer backend;
    static DataplaneServer server;
    static SSLContext tls;

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = TestCa.create(dir.resolve("ca"), "Challenge CA");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        ca.issue("shop.example.com").writePem(certs, "shop");
        tls = TlsTesting.trusting(ca.rootFile());
        backend = TlsTesting.echoBackend();
        server = TlsTesting.replica(certs, null, Files.createDirectories(dir.resolve("secrets")), List.of(),
                withChallenges(List.of(CHALLENGE)));
    }

    private static Snapshot withChallenges(List<AcmeChallenge> challenges) {
        return TestReplicas.routes(HTTPS_ONLY.formatted(backend.getAddress().getPort())).withChallenges(challenges);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.stop(0);
        }
    }

    /** A raw HTTP/1.1 answer: the JDK's client may not set {@code Host}, which these requests are about. */
    record Answer(int status, String head, String body) {
        String header(String name) {
            return head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT)
                    + ":")).map(l -> l.substring(name.length() + 1).trim()).findFirst().orElse(null);
        }
    }

    private static Answer get(boolean overTls, String path) throws Exception {
        Socket socket = overTls ? tls.getSocketFactory().createSocket("127.0.0.1", TlsTesting.tlsPort(server))
                : new Socket("127.0.0.1", TlsTesting.plainPort(server));
        try (socket) {
            if (socket instanceof SSLSocket ssl) {
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName("shop.example.com")));
                ssl.setSSLParameters(parameters);
            }
            socket.setSoTimeout((int) TlsTesting.IO_TIMEOUT.toMillis());
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: shop.example.com\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            return new Answer(Integer.parseInt(all.substring(9, 12)), all.substring(0, end), all.substring(end + 4));
        }
    }

    @Test
    void theChallengeIsAnsweredOnThePlainListenerWithExactlyTheKeyAuthorization() throws Exception {
        Answer answer = get(false,
                "/.well-known/acme-challenge/" + CHALLENGE.token());
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo(CHALLENGE.keyAuthorization());
        assertThat(answer.header("Content-Type")).startsWith("text/plain");
    }

    @Test
    void anUnknownTokenIsRoutedAsAnyRequestIs() throws Exception {
        Answer redirected = get(false,
                "/.well-known/acme-challenge/another-token");
        assertThat(redirected.status()).as("the route's https redirect").isEqualTo(302);
        assertThat(redirected.header("Location")).startsWith("https://shop.example.com");
    }

    @Test
    void overTlsTheChallengePathGoesToTheBackend() throws Exception {
        Answer routed = get(true,
                "/.well-known/acme-challenge/" + CHALLENGE.token());
        assertThat(routed.status()).isEqualTo(200);
        assertThat(routed.body()).startsWith("GET /.well-known/acme-challenge/" + CHALLENGE.token());
    }

    @Test
    void aChallengeLeavesWithTheSnapshotThatDropsIt() throws Exception {
        AcmeChallenge later = new AcmeChallenge("later", "later.key");
        server.apply(withChallenges(List.of(CHALLENGE, later)), "test");
        assertThat(get(false, "/.well-known/acme-challenge/later").body())
                .isEqualTo("later.key");
        server.apply(withChallenges(List.of(CHALLENGE)), "test");
        assertThat(get(false, "/.well-known/acme-challenge/later")
                .status()).isEqualTo(302);
    }
}
