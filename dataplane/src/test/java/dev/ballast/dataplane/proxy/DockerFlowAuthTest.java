package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.dataplane.access.UserDirectory;
import dev.ballast.schema.Snapshot;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Basic auth and old domains as Docker Flow had them, through sockets: the replica's global users ({@code USERS})
 * guard every rule without users of its own, a {@code usersSecret} is read by the replica (a missing one fails its
 * rule closed, nothing else), and a request for an old domain is redirected to the rule's first host.
 */
class DockerFlowAuthTest {

    @TempDir
    static Path secrets;
    static HttpServer backend;
    static DataplaneServer server;

    @BeforeAll
    static void start() throws Exception {
        backend = TestReplicas.backend(exchange -> {
            byte[] body = ("authorization=" + exchange.getRequestHeaders().getFirst("Authorization") + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        Files.writeString(secrets.resolve("dfp_users_monitoring"), "grafana:g-pw\nprom:p-pw\n");
        server = new DataplaneServer(config("admin:a-pw,ops:o-pw"));
        server.start();
        int port = backend.getAddress().getPort();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: web }
                spec:
                  endpoints: [{ address: "127.0.0.1:%1$d" }]
                  rules:
                    - { paths: [/global] }
                    - { paths: [/public], auth: { disabled: true } }
                    - { paths: [/own], auth: { users: [{ name: dev, password: d-pw }, { name: admin }] } }
                    - { paths: [/monitoring], auth: { usersSecret: monitoring } }
                    - { paths: [/grafana], auth: { usersSecret: monitoring, users: [{ name: grafana }] } }
                    - { paths: [/lost], auth: { usersSecret: lost } }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: moved }
                spec:
                  endpoints: [{ address: "127.0.0.1:%1$d" }]
                  rules:
                    - paths: [/shop]
                      hosts: [new.example.com]
                      auth: { disabled: true }
                      redirect: { fromDomains: [old.example.com, "*.older.example.com"] }
                    - paths: [/api]
                      hosts: [new.example.com]
                      auth: { disabled: true }
                      redirect: { fromDomains: [shared.example.com], fromDomainsCode: 308 }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: owner }
                spec:
                  endpoints: [{ address: "127.0.0.1:%1$d" }]
                  rules: [{ paths: [/api/own], hosts: [shared.example.com], auth: { disabled: true } }]
                """.formatted(port)), "test");
    }

    /** A test replica's settings with these global users ({@code USERS}) and the test's secrets directory. */
    private static DataplaneConfig config(String users) {
        return TestReplicas.withUsers(TestReplicas.config(Duration.ofSeconds(5)), secrets, Optional.of(users), false);
    }

    @AfterAll
    static void stop() {
        server.close();
        backend.stop(0);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String get(String host, String path, String authorization) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.trafficAddress().getPort())) {
            socket.setSoTimeout(5000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String status(String response) {
        return response.substring(9, 12);
    }

    @Test
    void theGlobalUsersGuardRulesWithoutUsersOfTheirOwn() throws IOException {
        assertThat(get("a", "/global", null)).startsWith("HTTP/1.1 401")
                .contains("www-authenticate: Basic realm=\"web\"");
        assertThat(status(get("a", "/global", basic("admin", "wrong")))).isEqualTo("401");
        String allowed = get("a", "/global", basic("ops", "o-pw"));
        assertThat(allowed).startsWith("HTTP/1.1 200").as("not forwarded").contains("authorization=null");
        assertThat(status(get("a", "/public", null))).as("ignoreAuthorization: open to all").isEqualTo("200");
    }

    @Test
    void aRulesOwnUsersReplaceTheGlobalOnesAndTakePasswordsFromThem() throws IOException {
        assertThat(status(get("a", "/own", basic("dev", "d-pw")))).isEqualTo("200");
        assertThat(status(get("a", "/own", basic("admin", "a-pw")))).as("password from USERS").isEqualTo("200");
        assertThat(status(get("a", "/own", basic("ops", "o-pw")))).as("in USERS, not in the rule").isEqualTo("401");
    }

    @Test
    void aUsersSecretIsReadByTheReplica() throws IOException {
        assertThat(status(get("a", "/monitoring", basic("prom", "p-pw")))).isEqualTo("200");
        assertThat(status(get("a", "/monitoring", basic("admin", "a-pw")))).isEqualTo("401");
        assertThat(status(get("a", "/grafana", basic("grafana", "g-pw")))).isEqualTo("200");
        assertThat(status(get("a", "/grafana", basic("prom", "p-pw")))).as("not named in users").isEqualTo("401");
    }

    @Test
    void aMissingSecretFailsItsRuleClosedAndOnlyThatRule() throws IOException {
        assertThat(status(get("a", "/lost", null))).isEqualTo("401");
        assertThat(status(get("a", "/lost", basic("admin", "a-pw")))).isEqualTo("401");
        assertThat(status(get("a", "/lost", basic("grafana", "g-pw")))).isEqualTo("401");
        assertThat(status(get("a", "/global", basic("admin", "a-pw")))).isEqualTo("200");
    }

    @Test
    void anOldDomainIsRedirectedToTheFirstHostKeepingPathAndQuery() throws IOException {
        String moved = get("old.example.com:8080", "/shop/cart?id=7&x=%20", null);
        assertThat(moved).startsWith("HTTP/1.1 301")
                .contains("location: http://new.example.com/shop/cart?id=7&x=%20");
        assertThat(get("a.older.example.com", "/shop", null)).startsWith("HTTP/1.1 301")
                .contains("location: http://new.example.com/shop");
        assertThat(status(get("old.example.com", "/elsewhere", null))).as("only the rule's paths").isEqualTo("404");
        assertThat(status(get("new.example.com", "/shop", null))).isEqualTo("200");
    }

    @Test
    void aHostsOwnerWinsOverAnotherRulesOldDomain() throws IOException {
        assertThat(status(get("shared.example.com", "/api/own/x", null))).as("owner's rule").isEqualTo("200");
        assertThat(get("shared.example.com", "/api/x", null)).as("what the owner does not match is redirected")
                .startsWith("HTTP/1.1 308").contains("location: http://new.example.com/api/x");
    }

    @Test
    void theAdminConfigShowsNoPasswordAndTheSnapshotKeepsThem() throws IOException {
        Snapshot before = server.snapshot();
        String config;
        try (Socket socket = new Socket("127.0.0.1", server.adminAddress().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET /v1/docker-flow-proxy/config HTTP/1.1\r\nHost: a\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            config = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(config).startsWith("HTTP/1.1 200").doesNotContain("d-pw")
                .contains("{\"name\":\"dev\",\"password\":\"<redacted>\"}")
                .contains("{\"name\":\"admin\"}").as("a user without a password has none to hide")
                .contains("\"usersSecret\":\"monitoring\"").contains(before.version());
        assertThat(server.snapshot()).isSameAs(before);
        assertThat(before.hasConsistentVersion()).isTrue();
        assertThat(before.routes().stream().filter(r -> r.name().equals("web")).findFirst().orElseThrow()
                .spec().rules().get(2).auth().users().get(0).password())
                .as("the snapshot itself is untouched").isEqualTo("d-pw");
    }

    @Test
    void aBadGlobalUserStopsTheReplicaBeforeAnythingStarts() {
        assertThatThrownBy(() -> new DataplaneServer(config("admin:a-pw,secret-without-name")))
                .isInstanceOf(UserDirectory.InvalidUsersException.class)
                .hasMessage("the global users are unusable: USERS entry 2: expected name:password");
    }
}
