package dev.ballast.dist.e2e.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.PollableResource;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Pebble harness itself: Pebble starts with our certificates and config and stops on close, its DNS answers as
 * ACME validation needs, and a real ACME client (acme4j, which our controller uses) gets a certificate validated over
 * HTTP-01 on {@link Pebble.Options#httpPort()} — the wiring the end-to-end ACME tests rely on.
 */
class PebbleHarnessTest {

    @Test
    void pebbleServesADirectoryAndARootAndStopsOnClose(@TempDir Path dir) throws Exception {
        Pebble pebble = Pebble.start(dir, Pebble.Options.defaults());
        HttpClient client;
        try (pebble) {
            client = HttpClient.newBuilder().sslContext(pebble.sslContext()).build();
            HttpResponse<String> directory =
                    client.send(get(pebble.directoryUrl()), HttpResponse.BodyHandlers.ofString());
            assertThat(directory.statusCode()).isEqualTo(200);
            JsonNode json = JsonMapper.builder().build().readTree(directory.body());
            for (String resource : List.of("newOrder", "newAccount", "newNonce")) {
                assertThat(json.path(resource).asString()).as(resource).startsWith("https://127.0.0.1:");
            }

            List<X509Certificate> roots = pebble.rootCertificates();
            assertThat(roots).isNotEmpty();
            X509Certificate root = roots.get(0);
            assertThat(root.getSubjectX500Principal()).isEqualTo(root.getIssuerX500Principal());
            root.verify(root.getPublicKey()); // self-signed
            assertThat(root.getBasicConstraints()).isNotNegative(); // a CA
            assertThat(root.getSubjectX500Principal().getName()).contains("Pebble Root CA");

            assertThat(pebble.log()).contains("Listening on: 127.0.0.1:");
            assertThat(pebble.count("Configured to reject 0% of good nonces")).isEqualTo(1);
            assertThat(pebble.count("authz reuse for each identifier 0% of the time")).isEqualTo(1);
            assertThat(pebble.count("Disabling random VA sleeps")).isEqualTo(1);
            assertThat(pebble.log()).doesNotContain("always valid");
        }
        assertThatThrownBy(() -> client.send(get(pebble.directoryUrl()), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void anAcmeClientGetsACertificateValidatedOverHttp01OnTheHttpPort(@TempDir Path dir) throws Exception {
        try (Pebble pebble = Pebble.start(dir, Pebble.Options.defaults())) {
            Map<String, String> challenges = new ConcurrentHashMap<>();
            List<String> hosts = new CopyOnWriteArrayList<>();
            // stands in for the dataplane's plain listener, answering HTTP-01 challenges
            HttpServer http01 = HttpServer.create(new InetSocketAddress("127.0.0.1", pebble.options().httpPort()), 0);
            http01.createContext("/.well-known/acme-challenge/", exchange -> {
                hosts.add(exchange.getRequestHeaders().getFirst("Host"));
                String token = exchange.getRequestURI().getPath().substring("/.well-known/acme-challenge/".length());
                byte[] body = challenges.getOrDefault(token, "").getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(body.length > 0 ? 200 : 404, body.length > 0 ? body.length : -1);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            http01.start();
            try {
                Session session = new Session(URI.create(pebble.directoryUrl()), new TrustingProvider(pebble));
                Account account = new AccountBuilder().agreeToTermsOfService()
                        .useKeyPair(ecKeys()).create(session);
                Order order = account.newOrder().domain("www.example.test").create();
                for (Authorization authorization : order.getAuthorizations()) {
                    Http01Challenge challenge = authorization.findChallenge(Http01Challenge.class).orElseThrow();
                    challenges.put(challenge.getToken(), challenge.getAuthorization());
                    challenge.trigger();
                    assertThat(settle(authorization)).isEqualTo(Status.VALID);
                }
                order.execute(ecKeys());
                assertThat(settle(order)).isEqualTo(Status.VALID);
                List<X509Certificate> chain = order.getCertificate().getCertificateChain();

                assertThat(chain).hasSize(2);
                assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=www.example.test");
                chain.get(0).verify(chain.get(1).getPublicKey());
                chain.get(1).verify(pebble.rootCertificates().get(0).getPublicKey());
                assertThat(hosts).isNotEmpty().allMatch(host -> host.startsWith("www.example.test"));
                assertThat(pebble.dns().queried("www.example.test")).isPositive();
                assertThat(pebble.count("Added order")).isEqualTo(1);
                assertThat(pebble.count("Issued certificate serial")).isEqualTo(1);
            } finally {
                http01.stop(0);
            }
        }
    }

    @Test
    void loopbackDnsAnswersEveryNameWith127001AndNoIpv6() throws Exception {
        try (LoopbackDns dns = LoopbackDns.start(); DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(5_000);

            ByteBuffer a = ask(socket, dns.port(), 0x1234, "anything.test", LoopbackDns.TYPE_A);
            assertHeader(a, 0x1234, 1);
            skipQuestion(a, "anything.test", LoopbackDns.TYPE_A);
            assertThat(Short.toUnsignedInt(a.getShort())).as("name pointer").isEqualTo(0xC00C);
            assertThat(a.getShort()).as("type").isEqualTo((short) LoopbackDns.TYPE_A);
            assertThat(a.getShort()).as("class").isEqualTo((short) 1);
            assertThat(a.getInt()).as("TTL").isZero();
            assertThat(a.getShort()).as("length").isEqualTo((short) 4);
            byte[] address = new byte[4];
            a.get(address);
            assertThat(InetAddress.getByAddress(address).getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(a.hasRemaining()).isFalse();

            ByteBuffer aaaa = ask(socket, dns.port(), 0xBEEF, "anything.test", LoopbackDns.TYPE_AAAA);
            assertHeader(aaaa, 0xBEEF, 0);
            skipQuestion(aaaa, "anything.test", LoopbackDns.TYPE_AAAA);
            assertThat(aaaa.hasRemaining()).isFalse();

            assertThat(dns.queried("Anything.Test.")).isEqualTo(2);
            assertThat(dns.queried("other.test")).isZero();
        }
    }

    /** acme4j's generic provider, with an HTTP client trusting Pebble's HTTPS CA (as our controller does). */
    private static final class TrustingProvider extends GenericAcmeProvider {
        private final Pebble pebble;

        TrustingProvider(Pebble pebble) {
            this.pebble = pebble;
        }

        @Override
        public HttpClient createHttpClient(NetworkSettings settings) {
            return HttpClient.newBuilder().sslContext(pebble.sslContext()).connectTimeout(settings.getTimeout())
                    .build();
        }
    }

    /** Polls every 100 ms (acme4j's own wait polls every 3 s) until the resource is neither pending nor processing. */
    private static Status settle(PollableResource resource) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        resource.fetch();
        while (Set.of(Status.PENDING, Status.PROCESSING).contains(resource.getStatus())
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
            resource.fetch();
        }
        return resource.getStatus();
    }

    /** A P-256 key pair from the JDK (acme4j's KeyPairUtils wants BouncyCastle registered as a provider). */
    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build();
    }

    /** Sends a standard query (RD set, like a stub resolver) and returns the reply. */
    private static ByteBuffer ask(DatagramSocket socket, int port, int id, String name, int type) throws IOException {
        ByteArrayOutputStream query = new ByteArrayOutputStream();
        query.writeBytes(ByteBuffer.allocate(12).putShort((short) id).putShort((short) 0x0100).putShort((short) 1)
                .array());
        query.writeBytes(encode(name));
        query.writeBytes(ByteBuffer.allocate(4).putShort((short) type).putShort((short) 1).array());
        byte[] bytes = query.toByteArray();
        socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
        DatagramPacket reply = new DatagramPacket(new byte[512], 512);
        socket.receive(reply);
        return ByteBuffer.wrap(Arrays.copyOf(reply.getData(), reply.getLength()));
    }

    /** ID echoed, QR and RA set, RD echoed, NOERROR, the question echoed, {@code answers} answers. */
    private static void assertHeader(ByteBuffer reply, int id, int answers) {
        assertThat(Short.toUnsignedInt(reply.getShort())).as("id").isEqualTo(id);
        int flags = Short.toUnsignedInt(reply.getShort());
        assertThat(flags & 0x8000).as("QR").isNotZero();
        assertThat(flags & 0x0100).as("RD").isNotZero();
        assertThat(flags & 0x0080).as("RA").isNotZero();
        assertThat(flags & 0x000F).as("RCODE").isZero();
        assertThat(reply.getShort()).as("questions").isEqualTo((short) 1);
        assertThat(reply.getShort()).as("answers").isEqualTo((short) answers);
        assertThat(reply.getShort()).as("authorities").isZero();
        assertThat(reply.getShort()).as("additionals").isZero();
    }

    private static void skipQuestion(ByteBuffer reply, String name, int type) {
        byte[] expected = encode(name);
        byte[] actual = new byte[expected.length];
        reply.get(actual);
        assertThat(actual).as("question name").isEqualTo(expected);
        assertThat(reply.getShort()).as("question type").isEqualTo((short) type);
        assertThat(reply.getShort()).as("question class").isEqualTo((short) 1);
    }

    private static byte[] encode(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.write(0);
        return out.toByteArray();
    }
}
