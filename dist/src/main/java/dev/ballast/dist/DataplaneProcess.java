package dev.ballast.dist;

import dev.ballast.config.ConfigException;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.schema.Snapshot;
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
        if (config.routes().isEmpty()) {
            cli.getErr().println("ballast dataplane: pulling snapshots from controllers is not available yet in this "
                    + "build; serve route files with --routes FILE|DIR");
            return Main.USAGE;
        }
        Snapshot snapshot;
        try {
            snapshot = DataplaneServer.loadRoutes(config.routes().get());
        } catch (IllegalArgumentException e) {
            cli.getErr().println("ballast dataplane: the route files have problems:");
            cli.getErr().println(e.getMessage());
            return 1;
        }
        DataplaneServer server = new DataplaneServer(config);
        server.start();
        server.apply(snapshot, "files " + config.routes().get());
        cli.getOut().println("ballast dataplane: " + snapshot.routes().size() + " route(s) from " + config.routes().get()
                + "; traffic on " + server.trafficAddress().getHostString() + ":" + server.trafficAddress().getPort()
                + ", admin on " + server.adminAddress().getHostString() + ":" + server.adminAddress().getPort());
        cli.getOut().flush();
        UntilStopped.await("ballast-dataplane", server);
        return 0;
    }
}
