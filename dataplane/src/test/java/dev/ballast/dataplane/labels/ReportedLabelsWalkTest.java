package dev.ballast.dataplane.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.Problem;
import dev.ballast.schema.labels.LabelTranslation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The labels Ballast does not act on are never ignored in silence: HAProxy's own are reported on the route (a
 * Warning naming the label and what to do instead), and the route is served as if they were absent; the swarm
 * listener's and Docker Flow Monitor's are accepted without comment, as they never concerned the proxy.
 */
class ReportedLabelsWalkTest {

    @ParameterizedTest
    @ValueSource(strings = {"templateFePath", "templateBePath", "backendExtra", "serviceDomainAlgo",
            "serviceDomainMatchAll", "connectionMode", "compressionAlgo", "compressionType", "checkResolvers",
            "discoveryType", "clitcpka", "checkTcp", "serviceGroup", "balanceGroup", "userDef", "sslVerifyNone",
            "serviceCert"})
    @Walks({"templateFePath", "templateBePath", "backendExtra", "serviceDomainAlgo", "serviceDomainMatchAll",
            "connectionMode", "compressionAlgo", "compressionType", "checkResolvers", "discoveryType", "clitcpka",
            "checkTcp", "serviceGroup", "balanceGroup", "userDef", "sslVerifyNone", "serviceCert"})
    void haproxyOnlyLabelsAreReportedAndTheRouteIsServed(String label) throws Exception {
        LabelTranslation translation = LabelWalk.translate("servicePath=/", "port=80", label + "=x");
        assertThat(translation).isInstanceOfSatisfying(LabelTranslation.Translated.class, translated -> {
            assertThat(translated.warnings()).extracting(Problem::field).contains("com.df." + label);
            assertThat(translated.route()).isEqualTo(routeWithout());
        });
        try (LabelWalk walk = new LabelWalk(1)) {
            walk.serve("servicePath=/", "port={port}", label + "=x");
            assertThat(walk.send("GET", "/").status()).isEqualTo(200);
        }
    }

    @Test
    @Walks("aclName")
    void aclNameIsReportedWithWhatToUseInstead() {
        LabelTranslation translation = LabelWalk.translate("servicePath=/", "port=80", "aclName=01-first");
        assertThat(translation).isInstanceOfSatisfying(LabelTranslation.Translated.class, translated ->
                assertThat(translated.warnings()).anySatisfy(p -> {
                    assertThat(p.field()).isEqualTo("com.df.aclName");
                    assertThat(p.message()).contains("com.df.order");
                }));
    }

    @ParameterizedTest
    @ValueSource(strings = {"distribute", "replicas", "serviceName", "scrapeNetwork", "scrapePort", "notifyService",
            "nodeInfo", "alertName", "alertIf.1"})
    @Walks({"distribute", "replicas", "serviceName", "scrapeNetwork", "scrapePort", "notifyService", "nodeInfo"})
    void listenerAndMonitorLabelsChangeNothing(String label) {
        LabelTranslation translation = LabelWalk.translate("servicePath=/", "port=80", label + "=x");
        assertThat(translation).isInstanceOfSatisfying(LabelTranslation.Translated.class, translated -> {
            assertThat(translated.warnings()).isEmpty();
            assertThat(translated.route()).isEqualTo(routeWithout());
        });
    }

    @Test
    @Walks("notify")
    void notifyOptsTheServiceIn() {
        assertThat(LabelWalk.translate("servicePath=/", "port=80")).isInstanceOf(LabelTranslation.Translated.class);
        assertThat(LabelWalk.translate("servicePath=/", "port=80", "notify=false"))
                .isInstanceOf(LabelTranslation.NotOptedIn.class);
    }

    private static Object routeWithout() {
        return ((LabelTranslation.Translated) LabelWalk.translate("servicePath=/", "port=80")).route();
    }
}
