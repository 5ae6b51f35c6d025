package dev.ballast.sim.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelPartsTest {

    @Test
    void engineTimeDropsTrailingZeros() {
        assertThat(EngineTime.format(Instant.parse("2016-06-07T21:05:51.880065300Z"))).isEqualTo("2016-06-07T21:05:51.8800653Z");
        assertThat(EngineTime.format(Instant.parse("2016-06-07T21:05:51Z"))).isEqualTo("2016-06-07T21:05:51Z");
        assertThat(EngineTime.nanos(Instant.ofEpochSecond(1, 5))).isEqualTo(1_000_000_005L);
    }

    @Test
    void addressPoolsHandOutLowestFreeFirstAndReuse() {
        AddressPool pool = new AddressPool(17, 1);
        assertThat(pool.subnet()).isEqualTo("127.17.1.0/24");
        assertThat(pool.gateway()).isEqualTo("127.17.1.1");
        assertThat(pool.allocate()).isEqualTo("127.17.1.2");
        assertThat(pool.allocate()).isEqualTo("127.17.1.3");
        pool.release("127.17.1.2");
        assertThat(pool.allocate()).isEqualTo("127.17.1.2");
    }

    @Test
    void aBlockHoldsTwoHundredFiftyFiveNetworksAndKeepsItsLastSlashTwentyFourForItsClaim() {
        assertThat(new AddressPool(16, 254).subnet()).isEqualTo("127.16.254.0/24");
        assertThatThrownBy(() -> new AddressPool(16, 255)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("network number 255 is out of range: the address block 127.16.0.0/16 holds 255 networks");
        assertThatThrownBy(() -> new AddressPool(255, 0)).hasMessageContaining("address block 255 is out of range");
    }

    @Test
    void placementConstraints() {
        Map<String, String> labels = new HashMap<>(Map.of("zone", "a"));
        NodeRecord node = new NodeRecord("id1", "emu-1", "manager", true, "127.0.1.1", Instant.EPOCH, labels, 1);
        assertThat(Placement.satisfies("node.role == manager", node)).isTrue();
        assertThat(Placement.satisfies("node.role==worker", node)).isFalse();
        assertThat(Placement.satisfies("node.role != worker", node)).isTrue();
        assertThat(Placement.satisfies("node.labels.zone == a", node)).isTrue();
        assertThat(Placement.satisfies("node.labels.zone == b", node)).isFalse();
        assertThat(Placement.satisfies("node.labels.missing != x", node)).isTrue();
        assertThat(Placement.satisfies("node.hostname == emu-1", node)).isTrue();
    }
}
