package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.balancing.Upstream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sticky-session cookie's values, without sockets. */
class StickyCookieTest {

    static final List<Upstream> UPSTREAMS = List.of(upstream("10.0.0.5:80"), upstream("10.0.0.6:80"),
            upstream("10.0.0.7:80"));

    static Upstream upstream(String address) {
        return new Upstream(address, Upstream.Tuning.DEFAULT);
    }

    static StickyCookie shop(List<Upstream> upstreams) {
        return new StickyCookie("S", "shop", 0, upstreams);
    }

    /** The value that pins a client with no cookie to {@code upstream}. */
    static String pinTo(StickyCookie cookie, Upstream upstream) {
        String set = cookie.read(List.of(), false).setCookie(upstream);
        return set.substring(set.indexOf('=') + 1, set.indexOf(';'));
    }

    @Test
    void theSameEndpointGetsTheSameValueOnEveryReplicaAndAfterAScale() {
        String value = pinTo(shop(UPSTREAMS), UPSTREAMS.get(1));
        assertThat(value).hasSize(16).matches("[A-Za-z0-9_-]+").doesNotContain("10.0").doesNotContain("80");
        // another replica: its own objects for the same snapshot
        List<Upstream> elsewhere = List.of(upstream("10.0.0.5:80"), upstream("10.0.0.6:80"), upstream("10.0.0.7:80"));
        assertThat(pinTo(shop(elsewhere), elsewhere.get(1))).isEqualTo(value);
        // scaled: more endpoints, in another order
        List<Upstream> scaled = List.of(upstream("10.0.0.9:80"), UPSTREAMS.get(2), UPSTREAMS.get(1), UPSTREAMS.get(0));
        assertThat(shop(scaled).read(List.of("S=" + value), false).endpoint()).isSameAs(UPSTREAMS.get(1));
        assertThat(pinTo(shop(UPSTREAMS), UPSTREAMS.get(0))).isNotEqualTo(value);
        assertThat(pinTo(new StickyCookie("S", "blog", 0, UPSTREAMS), UPSTREAMS.get(1))).as("another route")
                .isNotEqualTo(value);
        assertThat(pinTo(new StickyCookie("S", "shop", 8080, UPSTREAMS), UPSTREAMS.get(1))).as("another rule port")
                .isNotEqualTo(value);
    }

    @Test
    void aPinNamesItsEndpointAndAsksForNoNewCookie() {
        StickyCookie cookie = shop(UPSTREAMS);
        String value = pinTo(cookie, UPSTREAMS.get(2));
        StickyCookie.Pin pin = cookie.read(List.of("a=1; S=" + value + "; b=2"), false);
        assertThat(pin.endpoint()).isSameAs(UPSTREAMS.get(2));
        assertThat(pin.in(UPSTREAMS)).isSameAs(UPSTREAMS.get(2));
        assertThat(pin.in(UPSTREAMS.subList(0, 2))).as("ejected or failing its check").isNull();
        assertThat(pin.setCookie(UPSTREAMS.get(2))).isNull();
        assertThat(pin.setCookie(UPSTREAMS.get(0))).as("answered elsewhere: pinned anew")
                .isEqualTo("S=" + pinTo(cookie, UPSTREAMS.get(0)) + "; Path=/; HttpOnly; SameSite=Lax");
        assertThat(cookie.read(List.of("S=\"" + value + "\""), false).endpoint()).as("quoted")
                .isSameAs(UPSTREAMS.get(2));
        assertThat(cookie.read(List.of("a=1", "S=" + value), false).endpoint()).as("a second Cookie header")
                .isSameAs(UPSTREAMS.get(2));
        assertThat(cookie.read(List.of(), true).setCookie(UPSTREAMS.get(0))).endsWith("; SameSite=Lax; Secure");
    }

    @Test
    void anythingElseIsNoPin() {
        StickyCookie cookie = shop(UPSTREAMS);
        String value = pinTo(cookie, UPSTREAMS.get(0));
        for (String header : List.of("", "S=", "S", "S=x", "S=10.0.0.5:80", "S=" + value + "x", "S=..",
                "SS=" + value, "XS=" + value, "s=" + value, "S=" + value.substring(0, 15) + "!", "S=\"\"",
                "S=AAAAAAAAAAAAAAAA")) {
            StickyCookie.Pin pin = cookie.read(List.of(header), false);
            assertThat(pin.endpoint()).as(header).isNull();
            assertThat(pin.setCookie(UPSTREAMS.get(0))).as(header).startsWith("S=");
        }
        List<Upstream> gone = List.of(UPSTREAMS.get(1), UPSTREAMS.get(2));
        assertThat(shop(gone).read(List.of("S=" + value), false).endpoint()).as("its endpoint gone").isNull();
    }

    @Test
    void otherRoutesPinsAreKeptTheMostRecentOnes() {
        StickyCookie shop = shop(UPSTREAMS);
        List<String> blogs = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            blogs.add(pinTo(new StickyCookie("S", "blog" + i, 0, UPSTREAMS), UPSTREAMS.get(0)));
        }
        String old = pinTo(shop, UPSTREAMS.get(1));
        StickyCookie.Pin pin = shop.read(List.of("S=" + String.join(".", blogs) + "." + old + ".junk"), false);
        assertThat(pin.endpoint()).isSameAs(UPSTREAMS.get(1));
        String set = pin.setCookie(UPSTREAMS.get(2));
        String value = set.substring(2, set.indexOf(';'));
        assertThat(value.split("\\.")).as("7 others, the most recent, then this route's new pin")
                .containsExactlyElementsOf(java.util.stream.Stream.concat(blogs.subList(3, 10).stream(),
                        java.util.stream.Stream.of(pinTo(shop, UPSTREAMS.get(2)))).toList());
        assertThat(value.length()).isLessThanOrEqualTo(StickyCookie.MAX_ENTRIES * 17);
    }
}
