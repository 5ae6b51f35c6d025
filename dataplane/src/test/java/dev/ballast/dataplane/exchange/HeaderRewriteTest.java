package dev.ballast.dataplane.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.HeaderOperations;
import dev.ballast.schema.Rule;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeaderRewriteTest {

    private static Rule rule(HeaderOperations request, HeaderOperations response, Rule.Auth auth) {
        return new Rule(List.of("/"), null, null, null, null, null, null, null, 80, null, request, response, null,
                auth, null, false, null, null, false);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/http/hello?x=1 | ^/http/ | /renamed/ | /renamed/hello?x=1",
        "/http/          | ^/http/ | /renamed/ | /renamed/",
        "/api/v1/users   | ^/api/  | ''        | /v1/users",
        "/a/b/c          | /b/     | /         | /a/c",
        "/keep           | ^/other | /x        | /keep",
    })
    void pathRewrites(String target, String search, String replace, String expected) {
        assertThat(TargetRewrite.compile(List.of(new Rule.Rewrite(search, replace))).apply(target)).isEqualTo(expected);
    }

    @Test
    void rewritesApplyInOrderAndGroupsWork() {
        assertThat(TargetRewrite.compile(List.of(new Rule.Rewrite("^/v(\\d)/", "/api/$1/"),
                new Rule.Rewrite("/items/", "/things/"))).apply("/v2/items/7")).isEqualTo("/api/2/things/7");
    }

    @Test
    void requestHeadersForTheUpstream() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Host", "shop.example.com");
        h.add("Connection", "keep-alive, X-Secret-Hop");
        h.add("X-Secret-Hop", "x");
        h.add("Keep-Alive", "timeout=5");
        h.add("Proxy-Authorization", "Basic eA==");
        h.add("Authorization", "Basic b3BzOnB3");
        h.add("Upgrade", "h2c");
        h.add("X-Forwarded-For", "203.0.113.7");
        h.add("Transfer-Encoding", "chunked");
        h.add("X-Debug", "1");
        Rule r = rule(new HeaderOperations(Map.of("X-Added", "a"), Map.of("X-Set", "s"), List.of("X-Debug")),
                null, new Rule.Auth(null, List.of(new Rule.User("ops", "pw", null))));

        HeaderRewrite.request(h, r, true, "10.0.0.5", "http", true);

        assertThat(h.names()).doesNotContain("Connection", "X-Secret-Hop", "Keep-Alive", "Proxy-Authorization",
                "Authorization", "Upgrade", "X-Debug");
        assertThat(h.get("X-Forwarded-For")).as("a trusted source's chain is extended")
                .isEqualTo("203.0.113.7, 10.0.0.5");
        assertThat(h.get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(h.get("X-Forwarded-Host")).isEqualTo("shop.example.com");
        assertThat(h.get("Transfer-Encoding")).as("the codec frames the body with it").isEqualTo("chunked");
        assertThat(h.get("X-Added")).isEqualTo("a");
        assertThat(h.get("X-Set")).isEqualTo("s");
        assertThat(h.contains("Forwarded")).as("not added when the client chain does not use it").isFalse();
    }

    @Test
    void aTrustedSourcesForwardedIsExtendedAndItsProtocolKept() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Host", "a");
        h.add("Forwarded", "for=198.51.100.1");
        h.add("X-Forwarded-Proto", "https");
        HeaderRewrite.request(h, rule(null, null, null), false, "2001:db8::1", "https", true);
        assertThat(h.get("Forwarded")).isEqualTo("for=198.51.100.1, for=\"[2001:db8::1]\";proto=https;host=\"a\"");
        assertThat(h.get("X-Forwarded-Proto")).as("a TLS-terminating balancer's value is kept").isEqualTo("https");
    }

    @Test
    void anyoneElsesForwardingHeadersAreReplacedWithWhatTheConnectionShows() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Host", "shop.example.com");
        h.add("X-Forwarded-For", "203.0.113.7");
        h.add("X-Forwarded-Proto", "https");
        h.add("X-Forwarded-Host", "admin.example.com");
        h.add("Forwarded", "for=198.51.100.1;proto=https");
        HeaderRewrite.request(h, rule(null, null, null), false, "192.0.2.9", "http", false);
        assertThat(h.getAll("X-Forwarded-For")).containsExactly("192.0.2.9");
        assertThat(h.getAll("X-Forwarded-Proto")).containsExactly("http");
        assertThat(h.getAll("X-Forwarded-Host")).containsExactly("shop.example.com");
        assertThat(h.getAll("Forwarded")).containsExactly("for=192.0.2.9;proto=http;host=\"shop.example.com\"");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Content-Length: 5                                  | ",
        "Transfer-Encoding: chunked                         | ",
        "Content-Length: 5, 5                               | ",
        "Content-Length: 5; Transfer-Encoding: chunked      | both Content-Length and Transfer-Encoding",
        "Content-Length: 5; Content-Length: 6               | differing Content-Length values",
        "Content-Length: 5, 6                               | differing Content-Length values",
        "Content-Length: -1                                 | Content-Length \"-1\" is not a number",
        "Transfer-Encoding: gzip                            | Transfer-Encoding \"gzip\" does not end with a single chunked",
        "Transfer-Encoding: chunked, chunked                | Transfer-Encoding \"chunked, chunked\" does not end with a single chunked",
        "Transfer-Encoding: gzip, chunked                   | Transfer-Encoding \"gzip, chunked\" applies codings the proxy does not pass on",
    })
    void ambiguousFramingIsRefused(String headers, String problem) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (String header : headers.split(";")) {
            String[] kv = header.split(":", 2);
            h.add(kv[0].trim(), kv[1].trim());
        }
        assertThat(Framing.problem(h)).isEqualTo(java.util.Optional.ofNullable(problem));
    }
}
