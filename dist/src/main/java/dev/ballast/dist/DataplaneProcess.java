package dev.ballast.dist;

import dev.ballast.config.ConfigException;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.DockerFlowVariables;
import dev.ballast.config.HostPort;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.ListenerException;
import dev.ballast.dataplane.access.UserDirectory;
import dev.ballast.dataplane.Replica;
import dev.ballast.dataplane.proxy.ErrorPages;
import dev.ballast.observability.telemetry.Telemetry;
import io.netty.util.ResourceLeakDetector;
import java.net.InetAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** {@code ballast dataplane}: one proxy replica, until interrupted. */
final class DataplaneProcess {

    static final String TRACK_PINNED_MEMORY = "io.netty.trackPinnedMemory";

    private DataplaneProcess() {
    }

    /**
     * Netty's leak detector, unless asked for ({@code -Dio.netty.leakDetection.level=simple}), is off in a running
     * replica: by default it samples allocations and marks every message at every pipeline step, which costs about 4%
     * of the throughput (bench: 0.84x against 0.87x HAProxy's in the same run). Leaks are for the test suite to find,
     * and it runs with the detector at PARANOID, failing on any report.
     */
    private static void productionLeakDetection() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /**
     * Netty's pooled allocator counts, on every allocation and release, the bytes its buffers hold ("pinned"), for a
     * metric nothing here reads; the counter's update was ~2% of the event loop's samples, and the replica ~3% faster
     * without it (interleaved rounds against the same jar). Off unless {@code -Dio.netty.trackPinnedMemory} is given.
     * Read once, when the allocator's first chunk is made: this must run before the replica starts.
     */
    static void noPinnedMemoryAccounting() {
        if (System.getProperty(TRACK_PINNED_MEMORY) == null) {
            System.setProperty(TRACK_PINNED_MEMORY, "false");
        }
    }

    /**
     * Docker Flow variables that are set but that a dataplane does not honour: one line each, naming it and why
     * (never its value), once at start.
     */
    static void warnAboutDockerFlowVariables(List<DockerFlowVariables.Unhonoured> unhonoured) {
        Logger log = LoggerFactory.getLogger("ballast.dataplane");
        unhonoured.forEach(u -> log.warn(u.message()));
    }

    static int run(ResolvedConfig resolved, CommandLine cli) throws Exception {
        DataplaneConfig config;
        try {
            config = DataplaneConfig.from(resolved, System.getenv(), InetAddress.getLocalHost().getHostName());
        } catch (ConfigException e) {
            e.problems().forEach(p -> cli.getErr().println("ballast dataplane: " + p));
            return Main.USAGE;
        }
        productionLeakDetection();
        noPinnedMemoryAccounting();
        warnAboutDockerFlowVariables(DockerFlowVariables.forDataplane(System.getenv()));
        Replica replica;
        try {
            replica = Replica.start(config);
        } catch (Telemetry.SettingsException | UserDirectory.InvalidUsersException | ErrorPages.DirectoryException e) {
            cli.getErr().println("ballast dataplane: " + e.getMessage());
            return Main.USAGE;
        } catch (IllegalArgumentException e) {
            cli.getErr().println("ballast dataplane: --routes " + e.getMessage());
            return 1;
        } catch (ListenerException e) {
            cli.getErr().println("ballast dataplane: " + e.getMessage());
            return 1;
        }
        DataplaneServer server = replica.server();
        String routes = config.routes().map(path -> server.snapshot().routes().size() + " route(s) from " + path
                + replica.firstScan().map(scan -> scan.problems().isEmpty() ? ""
                        : " (" + scan.problems().size() + " problem(s), logged above and listed by /readyz"
                        + (scan.inForce() ? "" : "; not ready until a file loads without problems") + ")")
                        .orElse(""))
                .orElse("replica " + config.replicaId() + " pulling from " + config.controllers()
                        + config.stateDir().map(dir -> ", state in " + dir).orElse(""));
        String https = server.tlsAddresses().isEmpty() ? "" : ", HTTPS on " + listed(server.tlsAddresses());
        cli.getOut().println("ballast dataplane: " + routes + "; traffic on " + listed(server.trafficAddresses())
                + https + ", admin on " + HostPort.of(server.adminAddress()) + "; transport: "
                + server.trafficTransport());
        cli.getOut().flush();
        UntilStopped.await("ballast-dataplane", replica);
        return 0;
    }

    private static String listed(java.util.List<java.net.InetSocketAddress> addresses) {
        return String.join(", ", addresses.stream().map(a -> HostPort.of(a).toString()).toList());
    }
}
