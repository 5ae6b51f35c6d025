package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.ClusterStore;
import dev.ballast.sim.model.EngineTime;
import dev.ballast.sim.model.EventLog;
import dev.ballast.sim.model.NetworkRecord;
import dev.ballast.sim.model.NodeRecord;
import dev.ballast.sim.model.SecretRecord;
import dev.ballast.sim.model.ServiceRecord;
import dev.ballast.sim.model.TaskRecord;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The engine's JSON for each object, as {@code docker-engine-api.yaml} defines it and as docker-java and the CLI read
 * it. Called under the cluster's lock ({@link Cluster#read}).
 */
final class EngineJson {

    static final String ENGINE_VERSION = "28.5.1";
    static final String API_VERSION = "1.47";
    static final String MIN_API_VERSION = "1.24";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private EngineJson() {
    }

    static ObjectNode version(ClusterStore c) {
        ObjectNode details = JSON.objectNode().put("ApiVersion", API_VERSION).put("MinAPIVersion", MIN_API_VERSION)
                .put("GitCommit", "ballast").put("GoVersion", "go1.24.6").put("Os", "linux").put("Arch", "amd64")
                .put("KernelVersion", System.getProperty("os.version")).put("Experimental", "false")
                .put("BuildTime", "2025-10-01T00:00:00.000000000+00:00");
        ObjectNode out = JSON.objectNode();
        out.putObject("Platform").put("Name", "Ballast swarm-sim (Docker Engine API emulator)");
        out.putArray("Components").addObject().put("Name", "Engine").put("Version", ENGINE_VERSION).set("Details", details);
        return out.put("Version", ENGINE_VERSION).put("ApiVersion", API_VERSION).put("MinAPIVersion", MIN_API_VERSION)
                .put("GitCommit", "ballast").put("GoVersion", "go1.24.6").put("Os", "linux").put("Arch", "amd64")
                .put("KernelVersion", System.getProperty("os.version")).put("BuildTime", "2025-10-01T00:00:00.000000000+00:00");
    }

    static ObjectNode info(ClusterStore c) {
        NodeRecord self = c.self();
        ObjectNode out = JSON.objectNode()
                .put("ID", "BALL:AST0:SWAR:MSIM:0000:0000:0000:0000:0000:0000:0000:0001")
                .put("Containers", 0).put("ContainersRunning", 0).put("ContainersPaused", 0).put("ContainersStopped", 0)
                .put("Images", 0).put("Driver", "overlay2");
        out.putArray("DriverStatus");
        ObjectNode plugins = out.putObject("Plugins");
        plugins.putArray("Volume").add("local");
        plugins.putArray("Network").add("bridge").add("host").add("null").add("overlay");
        plugins.putArray("Authorization");
        plugins.putArray("Log").add("json-file").add("local");
        out.put("MemoryLimit", true).put("SwapLimit", true).put("CpuCfsPeriod", true).put("CpuCfsQuota", true)
                .put("CPUShares", true).put("CPUSet", true).put("PidsLimit", true).put("IPv4Forwarding", true)
                .put("Debug", false).put("NFd", 32).put("OomKillDisable", false).put("NGoroutines", 64)
                .put("SystemTime", EngineTime.format(c.now())).put("LoggingDriver", "json-file")
                .put("CgroupDriver", "systemd").put("CgroupVersion", "2").put("NEventsListener", 0)
                .put("KernelVersion", System.getProperty("os.version")).put("OperatingSystem", "Ballast swarm-sim")
                .put("OSVersion", "1").put("OSType", "linux").put("Architecture", "x86_64")
                .put("IndexServerAddress", "https://index.docker.io/v1/");
        ObjectNode registry = out.putObject("RegistryConfig");
        registry.putArray("InsecureRegistryCIDRs").add("127.0.0.0/8");
        registry.putObject("IndexConfigs");
        registry.putArray("Mirrors");
        out.put("NCPU", Runtime.getRuntime().availableProcessors()).put("MemTotal", Runtime.getRuntime().maxMemory())
                .putArray("GenericResources");
        out.put("DockerRootDir", "/var/lib/docker").put("HttpProxy", "").put("HttpsProxy", "").put("NoProxy", "")
                .put("Name", self.hostname).putArray("Labels");
        out.put("ExperimentalBuild", false).put("ServerVersion", ENGINE_VERSION);
        out.putObject("Runtimes").putObject("runc").put("path", "runc");
        out.put("DefaultRuntime", "runc");
        ObjectNode swarm = out.putObject("Swarm").put("NodeID", self.id).put("NodeAddr", self.addr)
                .put("LocalNodeState", "active").put("ControlAvailable", true).put("Error", "");
        ArrayNode managers = swarm.putArray("RemoteManagers");
        for (NodeRecord node : c.nodes()) {
            if (node.role.equals("manager")) {
                managers.addObject().put("NodeID", node.id).put("Addr", node.addr + ":2377");
            }
        }
        swarm.put("Nodes", c.nodes().size()).put("Managers", managers.size());
        swarm.set("Cluster", cluster(c));
        out.put("LiveRestoreEnabled", false).put("Isolation", "").put("InitBinary", "docker-init");
        out.putObject("ContainerdCommit").put("ID", "ballast");
        out.putObject("RuncCommit").put("ID", "ballast");
        out.putObject("InitCommit").put("ID", "ballast");
        out.putArray("SecurityOptions").add("name=seccomp,profile=builtin");
        out.putArray("Warnings");
        return out;
    }

    /** The cluster info shared by {@code /info} ({@code Swarm.Cluster}) and {@code /swarm}. */
    static ObjectNode cluster(ClusterStore c) {
        ObjectNode out = JSON.objectNode().put("ID", c.clusterId());
        out.putObject("Version").put("Index", 10);
        out.put("CreatedAt", EngineTime.format(c.createdAt())).put("UpdatedAt", EngineTime.format(c.createdAt()));
        ObjectNode spec = out.putObject("Spec").put("Name", "default");
        spec.putObject("Labels");
        spec.putObject("Orchestration").put("TaskHistoryRetentionLimit", 5);
        spec.putObject("Raft").put("SnapshotInterval", 10000).put("KeepOldSnapshots", 0)
                .put("LogEntriesForSlowFollowers", 500).put("ElectionTick", 10).put("HeartbeatTick", 1);
        spec.putObject("Dispatcher").put("HeartbeatPeriod", 5_000_000_000L);
        spec.putObject("CAConfig").put("NodeCertExpiry", 7_776_000_000_000_000L);
        spec.putObject("TaskDefaults");
        spec.putObject("EncryptionConfig").put("AutoLockManagers", false);
        out.putObject("TLSInfo").put("TrustRoot", "").put("CertIssuerSubject", "")
                .put("CertIssuerPublicKey", "");
        out.put("RootRotationInProgress", false).put("DataPathPort", 4789);
        out.putArray("DefaultAddrPool").add(c.addressPool());
        out.put("SubnetSize", 24);
        return out;
    }

    static ObjectNode swarm(ClusterStore c) {
        ObjectNode out = cluster(c);
        out.putObject("JoinTokens").put("Worker", "SWMTKN-1-ballast-swarm-sim-worker")
                .put("Manager", "SWMTKN-1-ballast-swarm-sim-manager");
        return out;
    }

    static ObjectNode node(NodeRecord n) {
        ObjectNode out = JSON.objectNode().put("ID", n.id);
        out.putObject("Version").put("Index", n.version);
        out.put("CreatedAt", EngineTime.format(n.createdAt)).put("UpdatedAt", EngineTime.format(n.createdAt));
        ObjectNode spec = out.putObject("Spec");
        labels(spec.putObject("Labels"), n.labels);
        spec.put("Role", n.role).put("Availability", n.availability);
        ObjectNode description = out.putObject("Description").put("Hostname", n.hostname);
        description.putObject("Platform").put("Architecture", "x86_64").put("OS", "linux");
        description.putObject("Resources").put("NanoCPUs", 2_000_000_000L).put("MemoryBytes", 8_272_408_576L);
        ObjectNode engine = description.putObject("Engine").put("EngineVersion", ENGINE_VERSION);
        engine.putObject("Labels");
        engine.putArray("Plugins").addObject().put("Type", "Network").put("Name", "overlay");
        description.putObject("TLSInfo").put("TrustRoot", "").put("CertIssuerSubject", "").put("CertIssuerPublicKey", "");
        out.putObject("Status").put("State", n.state).put("Message", "").put("Addr", n.addr);
        if (n.role.equals("manager")) {
            out.putObject("ManagerStatus").put("Leader", n.leader).put("Reachability", "reachable")
                    .put("Addr", n.addr + ":2377");
        }
        return out;
    }

    static ObjectNode network(NetworkRecord n, ClusterStore c) {
        ObjectNode out = JSON.objectNode().put("Name", n.name).put("Id", n.id)
                .put("Created", EngineTime.format(n.createdAt)).put("Scope", n.scope).put("Driver", n.driver)
                .put("EnableIPv4", true).put("EnableIPv6", false);
        ObjectNode ipam = out.putObject("IPAM").put("Driver", "default");
        ipam.putObject("Options");
        ArrayNode config = ipam.putArray("Config");
        if (n.pool != null) {
            config.addObject().put("Subnet", n.pool.subnet()).put("Gateway", n.pool.gateway());
        }
        out.put("Internal", n.internal).put("Attachable", n.attachable).put("Ingress", n.ingress);
        out.putObject("ConfigFrom").put("Network", "");
        out.put("ConfigOnly", false);
        out.putObject("Containers");
        ObjectNode options = out.putObject("Options");
        if (n.isSwarmScoped()) {
            options.put("com.docker.network.driver.overlay.vxlanid_list", String.valueOf(4096 + n.version));
        }
        labels(out.putObject("Labels"), n.labels);
        return out;
    }

    /** The network as it appears inside a task's {@code NetworksAttachments} (swarm shape, not engine shape). */
    private static ObjectNode swarmNetwork(NetworkRecord n) {
        ObjectNode out = JSON.objectNode().put("ID", n.id);
        out.putObject("Version").put("Index", n.version);
        out.put("CreatedAt", EngineTime.format(n.createdAt)).put("UpdatedAt", EngineTime.format(n.createdAt));
        ObjectNode spec = out.putObject("Spec").put("Name", n.name);
        labels(spec.putObject("Labels"), n.labels);
        spec.putObject("DriverConfiguration").put("Name", n.driver);
        spec.put("Attachable", n.attachable).put("Ingress", n.ingress);
        ipam(spec.putObject("IPAMOptions"), n);
        spec.put("Scope", n.scope);
        out.putObject("DriverState").put("Name", n.driver).putObject("Options")
                .put("com.docker.network.driver.overlay.vxlanid_list", String.valueOf(4096 + n.version));
        ipam(out.putObject("IPAMOptions"), n);
        return out;
    }

    private static void ipam(ObjectNode ipam, NetworkRecord n) {
        ipam.putObject("Driver").put("Name", "default");
        ipam.putArray("Configs").addObject().put("Subnet", n.pool.subnet()).put("Gateway", n.pool.gateway());
    }

    static ObjectNode service(ServiceRecord s, boolean withStatus, ClusterStore c) {
        ObjectNode out = JSON.objectNode().put("ID", s.id);
        out.putObject("Version").put("Index", s.version);
        out.put("CreatedAt", EngineTime.format(s.createdAt)).put("UpdatedAt", EngineTime.format(s.updatedAt));
        out.set("Spec", s.spec.deepCopy());
        if (s.previousSpec != null) {
            out.set("PreviousSpec", s.previousSpec.deepCopy());
        }
        ObjectNode endpoint = out.putObject("Endpoint");
        endpoint.set("Spec", s.spec.path("EndpointSpec").deepCopy());
        if (s.endpointPorts != null) {
            endpoint.set("Ports", s.endpointPorts.get("Ports").deepCopy());
        }
        if (!s.vips.isEmpty()) {
            ArrayNode vips = endpoint.putArray("VirtualIPs");
            s.vips.forEach((networkId, address) -> vips.addObject().put("NetworkID", networkId).put("Addr", address + "/24"));
        }
        if (s.updateStatus != null) {
            ObjectNode update = out.putObject("UpdateStatus").put("State", s.updateStatus.state())
                    .put("StartedAt", EngineTime.format(s.updateStatus.startedAt()));
            if (s.updateStatus.completedAt() != null) {
                update.put("CompletedAt", EngineTime.format(s.updateStatus.completedAt()));
            }
            update.put("Message", s.updateStatus.message());
        }
        if (withStatus) {
            long running = c.tasks().stream().filter(t -> t.serviceId.equals(s.id) && t.isActive() && t.isRunning()).count();
            long desired = s.isGlobal() ? c.tasks().stream().filter(t -> t.serviceId.equals(s.id) && t.isActive()).count()
                    : s.replicas();
            out.putObject("ServiceStatus").put("RunningTasks", running).put("DesiredTasks", desired)
                    .put("CompletedTasks", 0);
        }
        return out;
    }

    /** A secret as inspect and list show it: the spec without its data, which the engine never returns. */
    static ObjectNode secret(SecretRecord s) {
        ObjectNode out = JSON.objectNode().put("ID", s.id);
        out.putObject("Version").put("Index", s.version);
        out.put("CreatedAt", EngineTime.format(s.createdAt)).put("UpdatedAt", EngineTime.format(s.updatedAt));
        ObjectNode spec = out.putObject("Spec").put("Name", s.name);
        labels(spec.putObject("Labels"), s.labels);
        if (s.driver != null) {
            spec.set("Driver", s.driver.deepCopy());
        }
        if (s.templating != null) {
            spec.set("Templating", s.templating.deepCopy());
        }
        return out;
    }

    static String taskName(TaskRecord t, ServiceRecord s) {
        String name = s == null ? t.serviceId : s.name();
        return name + "." + (t.slot > 0 ? String.valueOf(t.slot) : t.nodeId) + "." + t.id;
    }

    static ObjectNode task(TaskRecord t, ClusterStore c) {
        ObjectNode out = JSON.objectNode().put("ID", t.id);
        out.putObject("Version").put("Index", t.version);
        out.put("CreatedAt", EngineTime.format(t.createdAt)).put("UpdatedAt", EngineTime.format(t.updatedAt));
        out.putObject("Labels");
        out.set("Spec", t.spec.deepCopy());
        out.put("ServiceID", t.serviceId);
        if (t.slot > 0) {
            out.put("Slot", t.slot);
        }
        if (!t.nodeId.isEmpty()) {
            out.put("NodeID", t.nodeId);
        }
        ObjectNode status = out.putObject("Status").put("Timestamp", EngineTime.format(t.statusAt))
                .put("State", t.state).put("Message", t.message);
        if (t.err != null) {
            status.put("Err", t.err);
        }
        if (!t.state.equals("new") && !t.state.equals("pending") && !t.state.equals("assigned")) {
            status.putObject("ContainerStatus").put("ContainerID", t.containerId)
                    .put("PID", t.isRunning() ? t.pid : 0).put("ExitCode", t.exitCode);
        }
        status.putObject("PortStatus");
        out.put("DesiredState", t.desiredState);
        if (!t.addresses.isEmpty()) {
            ArrayNode attachments = out.putArray("NetworksAttachments");
            t.addresses.forEach((networkId, address) -> {
                NetworkRecord network = c.networks().stream().filter(n -> n.id.equals(networkId)).findFirst().orElse(null);
                if (network != null) {
                    ObjectNode a = attachments.addObject();
                    a.set("Network", swarmNetwork(network));
                    a.putArray("Addresses").add(address + "/24");
                }
            });
        }
        return out;
    }

    static ObjectNode event(EventLog.Event e) {
        ObjectNode out = JSON.objectNode().put("Type", e.type()).put("Action", e.action());
        ObjectNode actor = out.putObject("Actor").put("ID", e.actorId());
        labels(actor.putObject("Attributes"), e.attributes());
        Instant time = e.time();
        return out.put("scope", "swarm").put("time", time.getEpochSecond()).put("timeNano", e.timeNano());
    }

    private static void labels(ObjectNode target, Map<String, String> labels) {
        new java.util.TreeMap<>(labels).forEach(target::put);
    }
}
