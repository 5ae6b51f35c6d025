package dev.ballast.dataplane.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.labels.LabelWalk.Answer;
import dev.ballast.schema.labels.LabelTranslation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The labels that limit what a client may send, walked through a running replica. */
class LimitLabelsWalkTest {

    private LabelWalk walk;

    @BeforeEach
    void start() throws Exception {
        walk = new LabelWalk(1);
    }

    @AfterEach
    void stop() {
        walk.close();
    }

    @Test
    @Walks({"rateLimit", "rateLimitBurst"})
    void overTheRateAClientGets429WithRetryAfter() throws Exception {
        walk.serve("servicePath=/", "port={port}", "rateLimit=1/h", "rateLimitBurst=3");
        List<Integer> statuses = new ArrayList<>();
        Answer last = null;
        for (int i = 0; i < 5; i++) {
            last = walk.send("GET", "/limited");
            statuses.add(last.status());
        }
        assertThat(statuses).containsExactly(200, 200, 200, 429, 429);
        // one token an hour: the next comes in up to an hour
        assertThat(Long.parseLong(last.header("Retry-After"))).isBetween(1L, 3600L);
        assertThat(last.body()).contains("too many requests");
    }

    @Test
    @Walks("allowedSourceRanges")
    void onlyTheRangesGivenGetIn() throws Exception {
        walk.serve("servicePath.1=/inside", "port.1={port}", "allowedSourceRanges.1=10.0.0.0/8,127.0.0.0/8",
                "servicePath.2=/outside", "port.2={port}", "allowedSourceRanges.2=10.0.0.0/8, 2001:db8::/32");
        assertThat(walk.send("GET", "/inside").status()).isEqualTo(200);
        Answer refused = walk.send("GET", "/outside");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).contains("127.0.0.1 not allowed");
        // a forwarding header from an untrusted client is no address at all
        assertThat(walk.send("GET", "/outside", "X-Forwarded-For: 10.1.2.3").status()).isEqualTo(403);
    }

    @Test
    @Walks("maxRequestBodySize")
    void aLargerBodyGets413() throws Exception {
        walk.serve("servicePath=/", "port={port}", "maxRequestBodySize=1KiB");
        assertThat(walk.sendTo(walk.trafficPort(), "POST", "/small", "x".repeat(1024)).status()).isEqualTo(200);
        Answer refused = walk.sendTo(walk.trafficPort(), "POST", "/large", "x".repeat(1025));
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.body()).contains("over 1024 bytes");
    }

    @Test
    void badValuesNameTheirLabel() {
        assertThat(errors("rateLimit=fast", "rateLimitBurst=0"))
                .anySatisfy(m -> assertThat(m).contains("com.df.rateLimit:").contains("\"fast\" is not a rate"))
                .anySatisfy(m -> assertThat(m).contains("com.df.rateLimitBurst").contains("not a burst size"));
        // checked when the route is validated: the errors name the labels the fields came from
        assertThat(errors("allowedSourceRanges=10.0.0.0/33", "maxRequestBodySize=ten"))
                .anySatisfy(m -> assertThat(m).contains("com.df.allowedSourceRanges").contains("10.0.0.0/33"))
                .anySatisfy(m -> assertThat(m).contains("com.df.maxRequestBodySize").contains("ten"));
    }

    private static List<String> errors(String... labels) {
        List<String> all = new ArrayList<>(List.of("servicePath=/", "port=80"));
        all.addAll(List.of(labels));
        LabelTranslation translation = LabelWalk.translate(all.toArray(String[]::new));
        assertThat(translation).isInstanceOf(LabelTranslation.Invalid.class);
        return ((LabelTranslation.Invalid) translation).errors().stream().map(Object::toString).toList();
    }
}
