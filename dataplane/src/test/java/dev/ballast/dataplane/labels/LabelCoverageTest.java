package dev.ballast.dataplane.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.labels.DockerFlowLabels;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every label docs/docker-flow.md documents (its label section is checked against {@link DockerFlowLabels} by
 * ReadmeReferenceTest) has its effect proved by a walk through a running replica, or, where the effect is the
 * controller's alone, by the controller test named here.
 */
class LabelCoverageTest {

    private static final List<Class<?>> WALKS = List.of(RoutingLabelsWalkTest.class,
            HeaderAndRewriteLabelsWalkTest.class, AccessLabelsWalkTest.class, TimeoutLabelsWalkTest.class,
            BalancingLabelsWalkTest.class, ReportedLabelsWalkTest.class, LimitLabelsWalkTest.class);

    /** Labels whose whole effect is in the controller, with the test that proves it through the emulator. */
    private static final Map<String, String> PROVED_BY_THE_CONTROLLER = Map.of(
            // which controller routes a service: two controllers on one emulated swarm, labels and push API
            "proxyInstanceName", "controller/src/test/java/dev/ballast/controller/InstanceNameTest.java",
            // the controller orders the certificate; replicas only serve it, like any distributed one
            "letsencrypt.host", "dist/src/test/java/dev/ballast/dist/e2e/acme/AcmeEndToEndTest.java",
            // a warning only: the controller's one ACME account orders
            "letsencrypt.email", "crds-like-schema/src/test/resources/labels/cases.yaml");

    @Test
    void everyDocumentedLabelIsWalked() {
        Set<String> walked = new TreeSet<>(PROVED_BY_THE_CONTROLLER.keySet());
        for (Class<?> walk : WALKS) {
            for (Method method : walk.getDeclaredMethods()) {
                Walks labels = method.getAnnotation(Walks.class);
                if (labels != null) {
                    walked.addAll(List.of(labels.value()));
                }
            }
        }
        assertThat(walked).as("labels walked").containsAll(DockerFlowLabels.documentedNames());
        assertThat(DockerFlowLabels.documentedNames()).as("walks of labels nobody documents")
                .containsAll(walked);
    }
}
