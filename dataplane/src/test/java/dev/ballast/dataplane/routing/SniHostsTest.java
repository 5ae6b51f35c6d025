package dev.ballast.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SniHostsTest {

    private final TcpRoute a = new TcpRoute(null, null, null, null);
    private final TcpRoute b = new TcpRoute(null, null, null, null);
    private final TcpRoute wide = new TcpRoute(null, null, null, null);
    private final TcpRoute narrow = new TcpRoute(null, null, null, null);

    private final SniHosts hosts = SniHosts.builder()
            .add("a.example.com", a)
            .add("B.Example.com", b)
            .add("*.example.com", wide)
            .add("*.deep.example.com", narrow)
            .add("a.example.com", b)
            .build();

    @Test
    void anExactNameWinsOverAWildcardAndTheFirstRuleKeepsIt() {
        assertThat(hosts.route("a.example.com")).isSameAs(a);
        assertThat(hosts.route("A.EXAMPLE.COM")).isSameAs(a);
        assertThat(hosts.route("b.example.com")).isSameAs(b);
    }

    @Test
    void theLongestWildcardSuffixWins() {
        assertThat(hosts.route("c.example.com")).isSameAs(wide);
        assertThat(hosts.route("x.y.example.com")).isSameAs(wide);
        assertThat(hosts.route("x.deep.example.com")).isSameAs(narrow);
    }

    @Test
    void aWildcardDoesNotMatchItsBareSuffixNorOtherNames() {
        assertThat(hosts.route("example.com")).isNull();
        assertThat(hosts.route("example.org")).isNull();
        assertThat(hosts.route("")).isNull();
        assertThat(hosts.route(null)).isNull();
    }
}
