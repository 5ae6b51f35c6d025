package dev.ballast.sim.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class NetworkAllocatorTest {

    private final ClusterStore store = new ClusterStore(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC),
            new Ids(new Random(1)), 16);
    private final NetworkAllocator allocator = new NetworkAllocator(store);

    NetworkAllocatorTest() {
        store.add(new NetworkRecord("in1", "ingress", "overlay", "swarm", false, true, false, new LinkedHashMap<>(),
                Instant.EPOCH, allocator.newPool(), 1));
        store.add(new NetworkRecord("ov1", "proxy", "overlay", "swarm", true, false, false, new LinkedHashMap<>(),
                Instant.EPOCH, allocator.newPool(), 2));
    }

    private static ServiceRecord service(String spec) {
        return new ServiceRecord("s1", (ObjectNode) JsonMapper.builder().build().readTree(spec), Instant.EPOCH, 3);
    }

    @Test
    void publishedPortsGetAnIngressVipAndPortsLeftToTheSwarmArePicked() {
        ServiceRecord web = service("{\"TaskTemplate\":{\"Networks\":[{\"Target\":\"ov1\"}]},"
                + "\"EndpointSpec\":{\"Mode\":\"vip\",\"Ports\":[{\"TargetPort\":80}]}}");
        allocator.allocateEndpoint(web);
        assertThat(web.vips).containsExactly(java.util.Map.entry("in1", "127.16.0.2"),
                java.util.Map.entry("ov1", "127.16.1.2"));
        assertThat(web.endpointPorts.path("Ports").get(0).path("PublishedPort").asInt()).isEqualTo(30000);
        assertThat(web.endpointPorts.path("Ports").get(0).path("Protocol").asString()).isEqualTo("tcp");

        allocator.releaseEndpoint(web);
        assertThat(web.vips).isEmpty();
        allocator.allocateEndpoint(web);
        assertThat(web.vips).as("released addresses are reused").containsValues("127.16.0.2", "127.16.1.2");
    }

    @Test
    void dnsrrServicesHaveNoVip() {
        ServiceRecord web = service("{\"TaskTemplate\":{\"Networks\":[{\"Target\":\"ov1\"}]},"
                + "\"EndpointSpec\":{\"Mode\":\"dnsrr\"}}");
        allocator.allocateEndpoint(web);
        assertThat(web.vips).isEmpty();
        assertThat(web.endpointPorts).isNull();
    }
}
