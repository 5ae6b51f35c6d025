package dev.ballast.dist;

import dev.ballast.config.ResolvedConfig;
import dev.ballast.config.SimConfig;
import dev.ballast.sim.SwarmSim;
import dev.ballast.sim.runtime.AddressBlock;
import picocli.CommandLine;

/** {@code ballast sim}: the emulator alone, until interrupted. */
final class SimProcess {

    private SimProcess() {
    }

    static int run(ResolvedConfig resolved, CommandLine cli) throws InterruptedException {
        SimConfig config = SimConfig.from(resolved);
        SwarmSim sim;
        try {
            // The documented block, so the addresses the README shows are the ones a user sees.
            sim = SwarmSim.start(SwarmSim.Options.defaults().withNodes(config.nodes())
                    .withAddressBlock(AddressBlock.DOCUMENTED));
        } catch (IllegalStateException e) {
            cli.getErr().println("ballast sim: " + e.getMessage());
            return 1;
        }
        String address;
        try {
            address = sim.listen(config.listen());
        } catch (RuntimeException e) {
            sim.close();
            cli.getErr().println("ballast sim: cannot listen on " + config.listen() + ": " + e.getMessage());
            return 1;
        }
        cli.getOut().println("swarm-sim: Docker Engine API (swarm manager, " + config.nodes() + " nodes) on " + address);
        cli.getOut().println("  try: DOCKER_HOST=" + address + " docker node ls");
        cli.getOut().println("  fault injection: see GET " + (address.startsWith("tcp://")
                ? "http://" + address.substring("tcp://".length()) : address) + "/_sim");
        cli.getOut().flush();
        UntilStopped.await("swarm-sim", sim);
        return 0;
    }
}
