package dev.ballast.dataplane.balancing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {

    private static final long S = 1_000_000_000L;

    private static List<Upstream> upstreams(int n) {
        List<Upstream> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Upstream("u" + i, Upstream.Tuning.DEFAULT));
        }
        return out;
    }

    private static void fail(OutlierDetector d, Upstream u, int times, long now) {
        for (int i = 0; i < times; i++) {
            d.record(u, true, now);
        }
    }

    @Test
    void fiveConsecutiveFailuresEjectForThirtySecondsThenLongerEachTime() {
        List<Upstream> ups = upstreams(4);
        OutlierDetector d = new OutlierDetector(ups, OutlierDetector.Settings.DEFAULT);
        Upstream bad = ups.get(0);
        fail(d, bad, 4, 0);
        d.record(bad, false, 0); // a success resets the count
        fail(d, bad, 4, 0);
        assertThat(d.available(0)).contains(bad);
        assertThat(d.record(bad, true, 0)).isTrue();
        assertThat(d.available(0)).doesNotContain(bad).hasSize(3);
        assertThat(d.available(30 * S - 1)).doesNotContain(bad);
        assertThat(d.available(30 * S)).as("back after 30 s").contains(bad);

        fail(d, bad, 5, 40 * S);
        assertThat(d.available(40 * S + 59 * S)).as("second ejection: 60 s").doesNotContain(bad);
        assertThat(d.available(40 * S + 60 * S)).contains(bad);
    }

    @Test
    void atMostHalfAreEjectedAndNeverTheLastOne() {
        List<Upstream> ups = upstreams(4);
        OutlierDetector d = new OutlierDetector(ups, OutlierDetector.Settings.DEFAULT);
        ups.forEach(u -> fail(d, u, 5, 0));
        assertThat(d.ejectedCount(0)).isEqualTo(2);
        assertThat(d.available(0)).hasSize(2);

        List<Upstream> two = upstreams(2);
        OutlierDetector pair = new OutlierDetector(two, OutlierDetector.Settings.DEFAULT);
        two.forEach(u -> fail(pair, u, 5, 0));
        assertThat(pair.ejectedCount(0)).isEqualTo(1);

        List<Upstream> single = upstreams(1);
        OutlierDetector alone = new OutlierDetector(single, OutlierDetector.Settings.DEFAULT);
        fail(alone, single.get(0), 10, 0);
        assertThat(alone.ejectedCount(0)).as("never the last one").isZero();
        assertThat(alone.available(0)).hasSize(1);
    }

    @Test
    void ejectionTimeIsCapped() {
        List<Upstream> ups = upstreams(2);
        OutlierDetector d = new OutlierDetector(ups, OutlierDetector.Settings.DEFAULT);
        long now = 0;
        for (int i = 0; i < 12; i++) {
            fail(d, ups.get(0), 5, now);
            now += 301 * S; // past any ejection
        }
        fail(d, ups.get(0), 5, now);
        assertThat(d.available(now + 299 * S)).doesNotContain(ups.get(0));
        assertThat(d.available(now + 300 * S)).as("at most 300 s").contains(ups.get(0));
    }
}
