package dev.ballast.controller.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which certificates routes ask ACME for, and which routes cannot have one and why. */
class AcmeWantsTest {

    private static List<Route> routes(String yaml) {
        return RouteLoader.parse("routes.yaml", yaml).routes().stream().map(LoadedRoute::route).toList();
    }

    private static String route(String name, String hosts, String tls) {
        return """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: %s }
                spec:
                  endpoints: [{ address: "127.0.0.1:80" }]
                  tls: %s
                  rules: [{ hosts: %s, paths: [/] }]
                ---
                """.formatted(name, tls, hosts);
    }

    @Test
    void routesWithTheSameHostsShareOneCertificateNamedAfterTheFirstHost() {
        AcmeWants wants = AcmeWants.of(routes(route("a", "[Shop.example.com, www.example.com]", "{ acme: true }")
                + route("b", "[www.example.com, shop.example.com]", "{ acme: true }")
                + route("c", "[api.example.com]", "{ acme: true }")
                + route("d", "[other.example.com]", "{ acme: false }")));
        assertThat(wants.refusals()).isEmpty();
        assertThat(wants.certificates()).containsOnlyKeys("acme-api.example.com",
                AcmeWants.nameOf(List.of("shop.example.com", "www.example.com")));
        AcmeWants.Want shared = wants.certificates().get(AcmeWants.nameOf(List.of("shop.example.com",
                "www.example.com")));
        assertThat(shared.hosts()).containsExactly("shop.example.com", "www.example.com");
        assertThat(shared.routes()).containsExactly("a", "b");
        assertThat(shared.name()).startsWith("acme-shop.example.com-").hasSize("acme-shop.example.com-".length() + 8);
    }

    @Test
    void tlsHostsReplaceTheRulesHosts() {
        AcmeWants wants = AcmeWants.of(routes(route("a", "[shop.example.com]",
                "{ acme: true, hosts: [cdn.example.com] }")));
        assertThat(wants.certificates()).containsOnlyKeys("acme-cdn.example.com");
    }

    @Test
    void wildcardsAndHostlessRoutesAreRefusedNamingWhy() {
        AcmeWants wants = AcmeWants.of(routes(route("wild", "[\"*.example.com\"]", "{ acme: true }")
                + route("anyhost", "[]", "{ acme: true }")));
        assertThat(wants.certificates()).isEmpty();
        assertThat(wants.refusals().get("wild")).contains("*.example.com is a wildcard").contains("DNS-01");
        assertThat(wants.refusals().get("anyhost")).contains("names no host");
    }
}
