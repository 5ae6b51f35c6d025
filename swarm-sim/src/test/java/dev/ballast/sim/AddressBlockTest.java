package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ballast.sim.runtime.AddressBlock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Emulators on one machine (in one JVM or several: the claim is a socket, which the kernel arbitrates across
 * processes) each get a /16 of their own, so their tasks' addresses and ports never collide.
 */
class AddressBlockTest {

    @Test
    void twoEmulatorsGetDistinctBlocksAndServeTheSameServiceSideBySide() throws Exception {
        try (SwarmSim first = SwarmSim.start(SwarmSim.Options.defaults());
             SwarmSim second = SwarmSim.start(SwarmSim.Options.defaults())) {
            assertThat(first.addressBlock()).isNotEqualTo(second.addressBlock());
            assertThat(first.addressBlock()).as("never the documented block of ballast sim and demo")
                    .isGreaterThan(AddressBlock.DOCUMENTED);
            for (SwarmSim sim : new SwarmSim[] {first, second}) {
                EngineClient api = new EngineClient(sim.listen("127.0.0.1:0"));
                sim.createNetwork("proxy", true);
                api.createWhoami("web", 1, "proxy", "");
                await().atMost(Duration.ofSeconds(5)).until(() -> api.runningAddresses("web").size() == 1);
                assertThat(api.runningAddresses("web").get(0)).startsWith("127." + sim.addressBlock() + ".1.");
                assertThat(api.get("/networks/proxy").json().at("/IPAM/Config/0/Subnet").asString())
                        .isEqualTo("127." + sim.addressBlock() + ".1.0/24");
                assertThat(api.get("/info").json().at("/Swarm/Cluster/DefaultAddrPool/0").asString())
                        .isEqualTo("127." + sim.addressBlock() + ".0.0/16");
            }
        }
    }

    @Test
    void aBlockAskedForByNumberIsRefusedWhileAnotherEmulatorHoldsIt() {
        try (SwarmSim holder = SwarmSim.start(SwarmSim.Options.defaults())) {
            int taken = holder.addressBlock();
            assertThatThrownBy(() -> SwarmSim.start(SwarmSim.Options.defaults().withAddressBlock(taken)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("the address block 127." + taken + ".0.0/16 is in use by another "
                            + "emulator on this machine");
        }
        // Released with the emulator that held it.
        try (SwarmSim again = SwarmSim.start(SwarmSim.Options.defaults())) {
            assertThat(again.addressBlock()).isGreaterThan(AddressBlock.DOCUMENTED);
        }
    }

    @Test
    void aBlockOutOfRangeIsRefused() {
        assertThatThrownBy(() -> AddressBlock.claim(255)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address block 255 is out of range (1-254)");
    }
}
