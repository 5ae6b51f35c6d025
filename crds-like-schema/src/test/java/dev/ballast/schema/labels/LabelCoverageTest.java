package dev.ballast.schema.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.Problem;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * No {@code com.df.*} label is ignored in silence: each one Ballast knows is translated, reported as unsupported, or
 * one of the few that concern the listener, Docker Flow Monitor or the controller's instance filter; any other gets
 * a warning naming it.
 */
class LabelCoverageTest {

    private static final LabelTranslator TRANSLATOR = new LabelTranslator(
            new TranslationOptions("com.df.notify", ",", false));

    /** The problems of a route with {@code com.df.NAME=value} beside a minimal valid destination. */
    private static List<Problem> problemsWith(String name, String value) {
        Map<String, String> labels = new HashMap<>(Map.of("com.df.notify", "true", "com.df.servicePath", "/",
                "com.df.port", "80"));
        labels.put("com.df." + name, value);
        LabelTranslation result = TRANSLATOR.translateLabels("web", labels);
        if (result instanceof LabelTranslation.Translated t) {
            return t.warnings();
        }
        if (result instanceof LabelTranslation.Invalid invalid) {
            List<Problem> all = new java.util.ArrayList<>(invalid.errors());
            all.addAll(invalid.warnings());
            return all;
        }
        throw new AssertionError(name + ": not opted in: " + result);
    }

    @Test
    void everyRoutingLabelIsReadByTheTranslator() {
        for (String name : DockerFlowLabels.all()) {
            if (DockerFlowLabels.isRoutingLabel(name)) {
                assertThat(problemsWith(name, "1")).as(name).noneMatch(p -> p.message().contains("does not use"));
            }
        }
    }

    @Test
    void everyUnsupportedLabelIsAWarningNamingIt() {
        assertThat(DockerFlowLabels.unsupportedNames()).isNotEmpty();
        for (String name : DockerFlowLabels.unsupportedNames()) {
            assertThat(problemsWith(name, "1")).as(name).anySatisfy(p -> {
                assertThat(p.isError()).isFalse();
                assertThat(p.field()).isEqualTo("com.df." + name);
                assertThat(p.message()).startsWith("unsupported (HAProxy-specific), ignored: ");
            });
        }
    }

    @Test
    void onlyListenerMonitorAndInstanceLabelsPassWithoutComment() {
        assertThat(DockerFlowLabels.listenerAndMonitorNames()).containsExactlyInAnyOrder("notify", "distribute",
                "replicas", "serviceName", "scrapeNetwork", "scrapePort", "notifyService", "nodeInfo");
        for (String name : DockerFlowLabels.listenerAndMonitorNames()) {
            if (!name.equals("notify")) {
                assertThat(problemsWith(name, "1")).as(name).isEmpty();
            }
        }
        assertThat(problemsWith("alertName", "memlimit")).isEmpty();
        assertThat(problemsWith("alertIf.2", "@service_mem_limit:0.8")).isEmpty();
        // read by the controller, which routes only its own instance's services (see the controller's --instance-name)
        assertThat(problemsWith("proxyInstanceName", "internal")).isEmpty();
        assertThat(problemsWith("PROXYINSTANCENAME", "internal")).isEmpty();
    }

    @Test
    void aLabelInNoListIsAWarningNamingIt() {
        assertThat(problemsWith("certbot.host", "acme.com")).singleElement().satisfies(p -> {
            assertThat(p.isError()).isFalse();
            assertThat(p.field()).isEqualTo("com.df.certbot.host");
            assertThat(p.message()).startsWith("unknown label, ignored");
        });
        assertThat(problemsWith("sessionTyp", "sticky-server")).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("did you mean \"com.df.sessionType\""));
    }

    @Test
    void aKnownLabelTheTranslationNeverReadIsAWarningToo() {
        LabelParams params = LabelParams.fromLabels(Map.of("com.df.port", "80", "com.df.userAgent.1", "curl",
                "com.df.servicePath", "/"), "com.df.notify", ",");
        params.get("port");
        params.get("servicePath", 1);
        params.warnAboutUnusedIndexes(1);
        params.warnAboutUnread();
        assertThat(params.warnings()).extracting(Problem::format)
                .containsExactly("com.df.userAgent.1: warning: ignored: Ballast does not use this label");
    }

    @Test
    void theInstanceNameIsReadCaseInsensitivelyAndBlankMeansNone() {
        assertThat(DockerFlowLabels.proxyInstanceName(Map.of("com.df.proxyInstanceName", " internal ")))
                .contains("internal");
        assertThat(DockerFlowLabels.proxyInstanceName(Map.of("com.df.proxyinstancename", "internal")))
                .contains("internal");
        assertThat(DockerFlowLabels.proxyInstanceName(Map.of("com.df.proxyInstanceName", " "))).isEmpty();
        assertThat(DockerFlowLabels.proxyInstanceName(Map.of("com.df.notify", "true"))).isEmpty();
    }
}
