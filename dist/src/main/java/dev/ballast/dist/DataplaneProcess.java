package dev.ballast.dist;

import dev.ballast.config.ConfigException;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.Replica;
import dev.ballast.observability.telemetry.Telemetry;
import java.net.InetAddress;
import picocli.CommandLine;

/** {@code ballast dataplane}: one proxy replica, until interrupted. */
final class DataplaneProcess {

    private DataplaneProcess() {
    }

    static int run(ResolvedConfig resolved, CommandLine cli) throws Exception {
        DataplaneConfig config;
        try {
            config = DataplaneConfig.from(resolved, InetAddress.getLocalHost().getHostName());
        } catch (ConfigException e) {
            e.problems().forEach(p -> cli.getErr().println("ballast dataplane: " + p));
            return Main.USAGE;
        }
        Replica replica;
        try {
            replica = Replica.start(config);
        } catch (Telemetry.SettingsException e) {
            cli.getErr().println("ballast dataplane: " + e.getMessage());
            return Main.USAGE;
        } catch (IllegalArgumentException e) {
            cli.getErr().println("ballast dataplane: the route files have problems:");
            cli.getErr().println(e.getMessage());
            return 1;
        } catch (DataplaneServer.ListenerException e) {
            cli.getErr().println("ballast dataplane: " + e.getMessage());
            return 1;
        }
        DataplaneServer server = replica.server();
        String routes = config.routes().map(path -> server.snapshot().routes().size() + " route(s) from " + path)
                .orElse("replica " + config.replicaId() + " pulling from " + config.controllers()
                        + config.stateDir().map(dir -> ", state in " + dir).orElse(""));
        cli.getOut().println("ballast dataplane: " + routes + "; traffic on " + HostPort.of(server.trafficAddress())
                + ", admin on " + HostPort.of(server.adminAddress()));
        cli.getOut().flush();
        UntilStopped.await("ballast-dataplane", replica);
        return 0;
    }
}
