package dev.ballast.sim.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class SpecNormalizerTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ClusterStore store = new ClusterStore(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC),
            new Ids(new Random(1)), 16);
    private final NetworkAllocator allocator = new NetworkAllocator(store);
    private final SpecNormalizer normalizer = new SpecNormalizer(store);

    SpecNormalizerTest() {
        store.add(new NetworkRecord("ov1", "proxy", "overlay", "swarm", true, false, false, new LinkedHashMap<>(),
                Instant.EPOCH, allocator.newPool(), 1));
        store.add(new NetworkRecord("br1", "bridge", "bridge", "local", false, false, false, new LinkedHashMap<>(),
                Instant.EPOCH, null, 2));
    }

    private static ObjectNode spec(String json) {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void fillsTheEngineDefaultsAndDropsNulls() {
        ObjectNode raw = spec("{\"Name\":\"web\",\"Labels\":null,\"Mode\":{\"mode\":\"x\"}}");
        ObjectNode out = normalizer.normalize(raw, 47);
        assertThat(out).isEqualTo(spec("{\"Name\":\"web\",\"Mode\":{\"Replicated\":{\"Replicas\":1}},"
                + "\"TaskTemplate\":{\"ContainerSpec\":{},\"ForceUpdate\":0,\"Runtime\":\"container\"},"
                + "\"EndpointSpec\":{\"Mode\":\"vip\"},\"Labels\":{}}"));
        assertThat(raw.has("Labels")).as("the raw spec is left alone").isTrue();
    }

    @Test
    void resolvesNetworkNamesAndHonoursTopLevelNetworksBefore144() {
        String raw = "{\"Name\":\"web\",\"Networks\":[{\"Target\":\"proxy\"}]}";
        assertThat(normalizer.normalize(spec(raw), 43).path("TaskTemplate").path("Networks").get(0)
                .path("Target").asString()).isEqualTo("ov1");
        ObjectNode current = normalizer.normalize(spec(raw), 44);
        assertThat(current.has("Networks")).isFalse();
        assertThat(current.path("TaskTemplate").has("Networks")).isFalse();
    }

    @Test
    void refusesLocalAndUnknownNetworks() {
        assertThatThrownBy(() -> normalizer.normalize(
                spec("{\"TaskTemplate\":{\"Networks\":[{\"Target\":\"bridge\"}]}}"), 47))
                .isInstanceOfSatisfying(ClusterException.class,
                        e -> assertThat(e.kind()).isEqualTo(ClusterException.Kind.FORBIDDEN));
        assertThatThrownBy(() -> normalizer.normalize(
                spec("{\"TaskTemplate\":{\"Networks\":[{\"Target\":\"nope\"}]}}"), 47))
                .hasMessage("network nope not found");
    }

    @Test
    void namesMustBeDnsLabels() {
        SpecNormalizer.checkName("web_1-a");
        assertThatThrownBy(() -> SpecNormalizer.checkName("-web")).isInstanceOf(ClusterException.class);
        assertThatThrownBy(() -> SpecNormalizer.checkName("a".repeat(64))).isInstanceOf(ClusterException.class);
    }
}
