package dev.ballast.dist.demo;

import dev.ballast.config.ConfigException;
import dev.ballast.config.ConfigResolver;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.dataplane.Replica;
import dev.ballast.sim.model.Workloads;
import dev.ballast.sim.runtime.TaskLog;
import java.util.Map;
import java.util.Optional;

/**
 * A task of {@code proxy_proxy}: a dataplane replica pulling from the demo's controller, replica k (slot k + 1) on
 * {@code 800k} with its admin listener on {@code 810k}, logging every request (to the task's log). Its replica ID is
 * the task's name ({@code proxy_proxy.3}), as {@code /v1/status} then lists it.
 */
final class ReplicaTask implements InProcessTasks.Starter {

    /** Replica k serves on 8000 + k and 8100 + k: a hundred replicas before the two ranges would meet. */
    static final int MAX_REPLICAS = 100;

    private final Demo.Addresses addresses;

    ReplicaTask(Demo.Addresses addresses) {
        this.addresses = addresses;
    }

    /** The ports of the replica in {@code slot} (from 1). */
    Demo.ReplicaPorts ports(int slot) {
        int k = slot - 1;
        return new Demo.ReplicaPorts(addresses.firstTraffic() + k, addresses.firstAdmin() + k);
    }

    @Override
    public InProcessTasks.Started start(Workloads.TaskLaunch launch, TaskLog log) throws InProcessTasks.StartException {
        String replicaId = launch.serviceName() + "." + launch.slot();
        if (launch.slot() < 1 || launch.slot() > MAX_REPLICAS) {
            throw new InProcessTasks.StartException("cannot start dataplane " + replicaId + ": the demo runs at most "
                    + MAX_REPLICAS + " replicas (ports " + addresses.firstTraffic() + "-"
                    + (addresses.firstTraffic() + MAX_REPLICAS - 1) + ", admin " + addresses.firstAdmin() + "-"
                    + (addresses.firstAdmin() + MAX_REPLICAS - 1) + ")", null);
        }
        Demo.ReplicaPorts ports = ports(launch.slot());
        String what = "dataplane " + replicaId + " on " + addresses.host() + ":" + ports.traffic() + " and "
                + ports.admin();
        try {
            DataplaneConfig config = DataplaneConfig.from(ConfigResolver.resolve("dataplane",
                    DataplaneConfig.SETTINGS, Optional.empty(), Map.of(), Map.of(
                            "controllers", addresses.controllerUrl(),
                            "listen", addresses.host() + ":" + ports.traffic(),
                            "adminListen", addresses.host() + ":" + ports.admin(),
                            "accessLog", "true")), replicaId);
            Replica replica = Replica.start(config);
            return new InProcessTasks.Started(replica, "ballast dataplane: replica " + replicaId + " pulling from "
                    + addresses.controllerUrl() + "; traffic on http://"
                    + HostPort.of(replica.server().trafficAddress())
                    + ", admin on http://" + HostPort.of(replica.server().adminAddress()),
                    "http://" + HostPort.of(replica.server().trafficAddress()) + ", admin http://"
                            + HostPort.of(replica.server().adminAddress()));
        } catch (ConfigException e) {
            throw new InProcessTasks.StartException("cannot start the " + what + ": "
                    + String.join("; ", e.problems()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InProcessTasks.StartException("interrupted while starting the " + what, e);
        } catch (RuntimeException e) {
            throw new InProcessTasks.StartException("cannot start the " + what + ": " + Demo.describe(e)
                    + " (is another demo, a Docker daemon or another server using that port?)", e);
        }
    }
}
