package dev.ballast.dataplane.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteLoader;
import dev.ballast.schema.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {

    private static final List<Route> ROUTES = RouteLoader.parse("access.yaml", """
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: secure }
            spec:
              service: s
              rules:
                - port: 80
                  hosts: [new.example.com]
                  redirect: { httpsOnly: true, code: 301, fromDomains: [old.example.com] }
                  auth:
                    users:
                      - { name: ops, passwordHash: "$6$ballastexample$eAuA3XLwdbTYgCre6aEvsjBw0sDTTmmgwJgl4mp1msTAY49k.uQO.63I7MEwun11..ckDxyJao2XkRHRpH9NY1" }
                      - { name: dev, password: plain }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: behind-lb }
            spec:
              service: s
              rules:
                - { port: 80, redirect: { whenForwardedProtoHttp: true }, denyHttp: true }
            """).routes().stream().map(LoadedRoute::route).toList();

    private static final int SECURE = 0;
    private static final int BEHIND_LB = 1;

    private final AccessPolicy policy = new AccessPolicy(new BasicAuth());

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static final UserDirectory.Resolved CREDENTIALS = UserDirectory.NONE.resolve(Snapshot.of(ROUTES, List.of()));

    /**
     * As the routing table would say: a host starting with "old." came through the rule's fromDomains; the scheme is
     * the connection's, or a trusted proxy's X-Forwarded-Proto (ClientConnection decides which to believe).
     */
    private Access decide(int route, boolean secure, String host, Map<String, String> headers) {
        Route r = ROUTES.get(route);
        String scheme = secure ? "https" : headers.getOrDefault("x-forwarded-proto", "http");
        return policy.decide(r, r.spec().rules().get(0), CREDENTIALS.of(r, 0), host.startsWith("old."), scheme, host,
                "/path?q=1", new HashMap<>(headers)::get);
    }

    @Test
    void oldDomainsAndPlainHttpAreRedirectedBeforeAnyPasswordIsAskedFor() {
        assertThat(decide(SECURE, false, "old.example.com", Map.of()))
                .isEqualTo(new Access.Redirect(301, "http://new.example.com/path?q=1"));
        assertThat(decide(SECURE, false, "new.example.com:8080", Map.of()))
                .isEqualTo(new Access.Redirect(301, "https://new.example.com:8080/path?q=1"));
    }

    @Test
    void basicAuthWithPlainPasswordsAndSha512Hashes() {
        Map<String, String> https = Map.of("x-forwarded-proto", "https");
        assertThat(decide(SECURE, false, "new.example.com", https)).isEqualTo(new Access.Unauthorized(
                "Basic realm=\"secure\", charset=\"UTF-8\""));
        Map<String, String> ops = new HashMap<>(https);
        ops.put("authorization", basic("ops", "change-me"));
        assertThat(decide(SECURE, true, "new.example.com", ops)).isEqualTo(new Access.Proceed());
        assertThat(decide(SECURE, true, "new.example.com", ops)).as("cached the second time").isEqualTo(new Access.Proceed());
        ops.put("authorization", basic("ops", "wrong"));
        assertThat(decide(SECURE, true, "new.example.com", ops)).isInstanceOf(Access.Unauthorized.class);
        ops.put("authorization", basic("dev", "plain"));
        assertThat(decide(SECURE, true, "new.example.com", ops)).isEqualTo(new Access.Proceed());
        ops.put("authorization", "Basic not-base64!!");
        assertThat(decide(SECURE, true, "new.example.com", ops)).isInstanceOf(Access.Unauthorized.class);
        ops.put("authorization", "Bearer token");
        assertThat(decide(SECURE, true, "new.example.com", ops)).isInstanceOf(Access.Unauthorized.class);
    }

    @Test
    void forwardedProtoBehindATlsTerminatingBalancer() {
        assertThat(decide(BEHIND_LB, false, "app", Map.of("x-forwarded-proto", "http")))
                .isEqualTo(new Access.Redirect(302, "https://app/path?q=1"));
        assertThat(decide(BEHIND_LB, false, "app", Map.of("x-forwarded-proto", "https"))).isEqualTo(new Access.Proceed());
        assertThat(decide(BEHIND_LB, false, "app", Map.of())).as("denyHttp without forwarded https")
                .isEqualTo(new Access.Forbidden("route behind-lb accepts HTTPS only"));
        assertThat(decide(BEHIND_LB, true, "app", Map.of())).isEqualTo(new Access.Proceed());
    }
}
