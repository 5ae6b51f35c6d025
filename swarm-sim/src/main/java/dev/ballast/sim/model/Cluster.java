package dev.ballast.sim.model;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The emulated swarm as the Engine API sees it: the requests that change it (services, networks, secrets, fault
 * injection), each checked the engine's way and applied atomically under the {@link ClusterStore}'s lock, and
 * {@link #read} for a consistent view. The work itself is delegated: spec normalisation to {@link SpecNormalizer},
 * addresses to {@link NetworkAllocator}, secrets and the references to them to {@link Secrets}, tasks to the
 * {@link Orchestrator}, which advances on a tick ({@link Settings#tick()}).
 */
public final class Cluster {

    /**
     * Tunables. {@code restartDelay} applies when a service's RestartPolicy gives none; {@code addressBlock} B puts
     * every overlay network in 127.B.0.0/16.
     */
    public record Settings(int nodes, Duration tick, Duration restartDelay, int historyPerSlot, int addressBlock) {
        public static Settings defaults() {
            return new Settings(2, Duration.ofMillis(5), Duration.ofMillis(200), 5, 16);
        }
    }

    private static final List<String> LOCAL_NETWORKS = List.of("bridge", "host", "none");

    private final ClusterStore store;
    private final NetworkAllocator allocator;
    private final SpecNormalizer specs;
    private final Secrets secrets;
    private final Orchestrator orchestrator;

    public Cluster(Clock clock, Random random, Workloads workloads, ScheduledExecutorService scheduler,
                   Settings settings) {
        this.store = new ClusterStore(clock, new Ids(random), settings.addressBlock());
        this.allocator = new NetworkAllocator(store);
        this.specs = new SpecNormalizer(store);
        this.secrets = new Secrets(store);
        this.orchestrator = new Orchestrator(store, new TaskLifecycle(store, allocator, workloads),
                new VipPublisher(store, workloads), settings);
        Instant createdAt = store.createdAt();
        Ids ids = store.ids();
        for (int i = 1; i <= settings.nodes(); i++) {
            store.add(new NodeRecord(ids.swarmId(), "emu-" + i, "manager", i == 1, "127.0.1." + i, createdAt,
                    Map.of(), store.nextVersion()));
        }
        store.add(new NetworkRecord(ids.swarmId(), "ingress", "overlay", "swarm", false, true, false,
                Map.of(), createdAt, allocator.newPool(), store.nextVersion()));
        for (String local : LOCAL_NETWORKS) {
            store.add(new NetworkRecord(ids.hexId(), local, local.equals("none") ? "null" : local, "local", false,
                    false, false, Map.of(), createdAt, null, store.nextVersion()));
        }
        long tickMicros = settings.tick().toNanos() / 1000;
        scheduler.scheduleWithFixedDelay(orchestrator::tick, tickMicros, tickMicros, TimeUnit.MICROSECONDS);
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** Runs {@code reader} under the lock; renderers use this to see one consistent state. */
    public <T> T read(Function<ClusterStore, T> reader) {
        synchronized (store) {
            return reader.apply(store);
        }
    }

    /** The event log locks by itself, so that streaming events never waits for the cluster. */
    public EventLog events() {
        return store.events();
    }

    public long index() {
        synchronized (store) {
            return store.index();
        }
    }

    public Instant now() {
        return store.now();
    }

    // ------------------------------------------------------------------------------------------------ services

    /** {@code POST /services/create}; {@code apiMinor} is the request's API version (44 for 1.44). */
    public ServiceRecord createService(ObjectNode raw, int apiMinor) {
        synchronized (store) {
            ObjectNode spec = specs.normalize(raw, apiMinor);
            String name = spec.path("Name").asString("");
            SpecNormalizer.checkName(name);
            secrets.checkReferences(spec);
            if (store.services().stream().anyMatch(s -> s.name().equals(name))) {
                throw new ClusterException(ClusterException.Kind.CONFLICT, "rpc error: code = AlreadyExists desc = "
                        + "name conflicts with an existing object: service " + name + " already exists");
            }
            ServiceRecord service = new ServiceRecord(store.ids().swarmId(), spec, store.now(), store.nextVersion());
            allocator.allocateEndpoint(service);
            store.add(service);
            store.emit("service", "create", service.id, Map.of("name", name));
            orchestrator.scale(service);
            return service;
        }
    }

    /** {@code POST /services/{id}/update?version=N}. */
    public void updateService(String ref, long version, ObjectNode raw, int apiMinor) {
        synchronized (store) {
            ServiceRecord service = store.service(ref);
            if (version != service.version) {
                throw new ClusterException(ClusterException.Kind.INTERNAL,
                        "rpc error: code = Unknown desc = update out of sequence");
            }
            ObjectNode spec = specs.normalize(raw, apiMinor);
            if (!spec.path("Name").asString("").equals(service.name())) {
                throw new ClusterException(ClusterException.Kind.UNIMPLEMENTED,
                        "rpc error: code = Unimplemented desc = renaming services is not supported");
            }
            if (spec.path("Mode").has("Global") != service.isGlobal()) {
                throw new ClusterException(ClusterException.Kind.UNIMPLEMENTED,
                        "rpc error: code = Unimplemented desc = service mode change is not allowed");
            }
            secrets.checkReferences(spec);
            ObjectNode old = service.spec;
            Map<String, String> attributes = changes(service, old, spec);
            service.previousSpec = old;
            service.spec = spec;
            service.updatedAt = store.now();
            service.version = store.nextVersion();
            if (!old.path("TaskTemplate").path("Networks").equals(spec.path("TaskTemplate").path("Networks"))
                    || !old.path("EndpointSpec").equals(spec.path("EndpointSpec"))) {
                allocator.releaseEndpoint(service);
                allocator.allocateEndpoint(service);
            }
            // Only a changed task template replaces tasks; scaling alone is no rolling update.
            if (!old.path("TaskTemplate").equals(spec.path("TaskTemplate"))) {
                String before = service.updateStatus == null ? null : service.updateStatus.state();
                service.updateStatus = new ServiceRecord.UpdateStatus("updating", store.now(), null,
                        "update in progress");
                if (before != null && !before.equals("updating")) {
                    attributes.put("updatestate.old", before);
                }
                attributes.put("updatestate.new", "updating");
            }
            store.emit("service", "update", service.id, attributes);
            orchestrator.scale(service);
        }
    }

    /** The update event's attributes, as the engine words them: what changed, old and new. */
    private static Map<String, String> changes(ServiceRecord service, ObjectNode old, ObjectNode spec) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("name", service.name());
        changed(attributes, "image", image(old), image(spec));
        if (!service.isGlobal()) {
            changed(attributes, "replicas", String.valueOf(service.replicas()),
                    spec.path("Mode").path("Replicated").path("Replicas").asString("1"));
        }
        return attributes;
    }

    private static void changed(Map<String, String> attributes, String key, String before, String after) {
        if (!Objects.equals(before, after)) {
            attributes.put(key + ".old", before);
            attributes.put(key + ".new", after);
        }
    }

    private static String image(ObjectNode spec) {
        return spec.path("TaskTemplate").path("ContainerSpec").path("Image").asString("");
    }

    /** {@code DELETE /services/{id}}: the tasks stop and disappear. */
    public void removeService(String ref) {
        synchronized (store) {
            ServiceRecord service = store.service(ref);
            store.remove(service);
            orchestrator.remove(service);
            allocator.releaseEndpoint(service);
            store.emit("service", "remove", service.id, Map.of("name", service.name()));
        }
    }

    // ------------------------------------------------------------------------------------------------ tasks

    /** Kills a running task, as if its container died (fault injection). */
    public void killTask(String ref) {
        synchronized (store) {
            orchestrator.kill(ref);
        }
    }

    /** A task's workload failed (it could not start, or it was killed): mark it and plan its restart. */
    public void taskFailed(String taskId, String error, int exitCode) {
        synchronized (store) {
            orchestrator.taskFailed(taskId, error, exitCode);
        }
    }

    // ------------------------------------------------------------------------------------------------ secrets

    /** {@code POST /secrets/create}; {@code driver} and {@code templating} are the spec's objects, or null. */
    public SecretRecord createSecret(String name, Map<String, String> labels, byte[] data, JsonNode driver,
                                     JsonNode templating) {
        synchronized (store) {
            return secrets.create(name, labels, data, driver, templating);
        }
    }

    /** {@code POST /secrets/{id}/update?version=N}; {@code data} null when the client sent none. */
    public void updateSecret(String ref, long version, String name, Map<String, String> labels, byte[] data) {
        synchronized (store) {
            secrets.update(ref, version, name, labels, data);
        }
    }

    /** {@code DELETE /secrets/{id}}. */
    public void removeSecret(String ref) {
        synchronized (store) {
            secrets.remove(ref);
        }
    }

    // ------------------------------------------------------------------------------------------------ networks

    /** {@code POST /networks/create}. */
    public NetworkRecord createNetwork(String name, String driver, boolean attachable, boolean internal,
                                       Map<String, String> labels) {
        synchronized (store) {
            if (name.isBlank()) {
                throw new ClusterException(ClusterException.Kind.INVALID, "network name must not be empty");
            }
            if (store.networks().stream().anyMatch(n -> n.name.equals(name))) {
                throw new ClusterException(ClusterException.Kind.CONFLICT,
                        "network with name " + name + " already exists");
            }
            Ids ids = store.ids();
            boolean overlay = driver.isEmpty() || driver.equals("overlay");
            NetworkRecord network = overlay
                    ? new NetworkRecord(ids.swarmId(), name, "overlay", "swarm", attachable, false, internal,
                            labels, store.now(), allocator.newPool(), store.nextVersion())
                    : new NetworkRecord(ids.hexId(), name, driver, "local", attachable, false, internal,
                            labels, store.now(), null, store.nextVersion());
            store.add(network);
            store.emit("network", "create", network.id, Map.of("name", name, "type", network.driver));
            return network;
        }
    }

    /** {@code DELETE /networks/{id}}. */
    public void removeNetwork(String ref) {
        synchronized (store) {
            NetworkRecord network = store.network(ref);
            if (network.ingress || LOCAL_NETWORKS.contains(network.name) && !network.isSwarmScoped()
                    && network.createdAt.equals(store.createdAt())) {
                throw new ClusterException(ClusterException.Kind.FORBIDDEN,
                        network.name + " is a pre-defined network and cannot be removed");
            }
            for (ServiceRecord service : store.services()) {
                for (JsonNode attachment : service.spec.path("TaskTemplate").path("Networks")) {
                    if (attachment.path("Target").asString().equals(network.id)) {
                        throw new ClusterException(ClusterException.Kind.FORBIDDEN, "rpc error: code = "
                                + "FailedPrecondition desc = network " + network.id + " is in use by service "
                                + service.id);
                    }
                }
            }
            store.remove(network);
            store.emit("network", "remove", network.id, Map.of("name", network.name, "type", network.driver));
        }
    }
}
