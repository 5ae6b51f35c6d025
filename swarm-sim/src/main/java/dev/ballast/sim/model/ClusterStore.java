package dev.ballast.sim.model;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The swarm's state: its nodes, networks, services, tasks and secrets, the version index they share, and the event log
 * that records their changes. Lookups follow the engine's order (full ID, exact name, unique ID prefix).
 *
 * <p>The store's monitor is the cluster's one lock: {@link Cluster} takes it for every request and hands the store to
 * readers under it, the orchestrator takes it for its tick and for workload callbacks. Nothing here locks by itself,
 * so every call must come with the lock held; the views it returns are live and must not escape the lock either.
 */
public final class ClusterStore {

    private final Clock clock;
    private final Ids ids;
    private final EventLog events = new EventLog();
    private final String clusterId;
    private final Instant createdAt;
    private final int addressBlock;

    private final List<NodeRecord> nodes = new ArrayList<>();
    private final Map<String, NetworkRecord> networks = new LinkedHashMap<>();
    private final Map<String, ServiceRecord> services = new LinkedHashMap<>();
    private final Map<String, TaskRecord> tasks = new LinkedHashMap<>();
    private final Map<String, SecretRecord> secrets = new LinkedHashMap<>();
    // Starts above zero like a fresh engine's raft index, so no object is ever at version 0.
    private long index = 10;

    /** {@code addressBlock} B: the overlay networks' subnets are /24s of 127.B.0.0/16. */
    ClusterStore(Clock clock, Ids ids, int addressBlock) {
        this.clock = clock;
        this.ids = ids;
        this.addressBlock = addressBlock;
        this.clusterId = ids.swarmId();
        this.createdAt = clock.instant();
    }

    // ------------------------------------------------------------------------------------------------ reading

    public String clusterId() {
        return clusterId;
    }

    /** When the swarm was initialised; the built-in networks carry this time, which is how they are told apart. */
    public Instant createdAt() {
        return createdAt;
    }

    /** B of the emulator's address block 127.B.0.0/16, where every overlay network's /24 lies. */
    public int addressBlock() {
        return addressBlock;
    }

    /** The address block as a CIDR, as the swarm's default address pool. */
    public String addressPool() {
        return "127." + addressBlock + ".0.0/16";
    }

    public Instant now() {
        return clock.instant();
    }

    /** Locks by itself, so that streaming events never waits for the cluster. */
    public EventLog events() {
        return events;
    }

    /** The latest version handed out to any object. */
    public long index() {
        return index;
    }

    /** The node this API endpoint runs on: the leader. */
    public NodeRecord self() {
        return nodes.get(0);
    }

    public List<NodeRecord> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    public Collection<NetworkRecord> networks() {
        return Collections.unmodifiableCollection(networks.values());
    }

    public Collection<ServiceRecord> services() {
        return Collections.unmodifiableCollection(services.values());
    }

    public Collection<TaskRecord> tasks() {
        return Collections.unmodifiableCollection(tasks.values());
    }

    public Collection<SecretRecord> secrets() {
        return Collections.unmodifiableCollection(secrets.values());
    }

    public ServiceRecord service(String ref) {
        return lookup(services.values(), ref, s -> s.id, ServiceRecord::name, "service");
    }

    public SecretRecord secret(String ref) {
        return lookup(secrets.values(), ref, s -> s.id, s -> s.name, "secret");
    }

    public NetworkRecord network(String ref) {
        NetworkRecord found = findNetwork(ref);
        if (found == null) {
            throw new ClusterException(ClusterException.Kind.NOT_FOUND, "network " + ref + " not found");
        }
        return found;
    }

    public NodeRecord node(String ref) {
        return lookup(nodes, ref, n -> n.id, n -> n.hostname, "node");
    }

    public TaskRecord task(String ref) {
        TaskRecord found = find(tasks.values(), ref, t -> t.id, t -> null);
        if (found == null) {
            throw new ClusterException(ClusterException.Kind.NOT_FOUND, "task " + ref + " not found");
        }
        return found;
    }

    /** A network by ID, name or ID prefix, or null: spec normalisation words its own error. */
    NetworkRecord findNetwork(String ref) {
        return find(networks.values(), ref, n -> n.id, n -> n.name);
    }

    /** By full ID only, for references the cluster itself holds; null once the object is gone. */
    NetworkRecord networkById(String id) {
        return networks.get(id);
    }

    SecretRecord secretById(String id) {
        return secrets.get(id);
    }

    ServiceRecord serviceById(String id) {
        return services.get(id);
    }

    TaskRecord taskById(String id) {
        return tasks.get(id);
    }

    NodeRecord nodeById(String id) {
        return nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElse(null);
    }

    /** Every task of a service, finished ones included, oldest first. */
    List<TaskRecord> tasksOf(String serviceId) {
        return tasks.values().stream().filter(t -> t.serviceId.equals(serviceId)).toList();
    }

    // ------------------------------------------------------------------------------------------------ writing

    Ids ids() {
        return ids;
    }

    /** The version for an object being created or changed. */
    long nextVersion() {
        return ++index;
    }

    void add(NodeRecord node) {
        nodes.add(node);
    }

    void add(NetworkRecord network) {
        networks.put(network.id, network);
    }

    void add(ServiceRecord service) {
        services.put(service.id, service);
    }

    void add(TaskRecord task) {
        tasks.put(task.id, task);
    }

    void add(SecretRecord secret) {
        secrets.put(secret.id, secret);
    }

    void remove(SecretRecord secret) {
        secrets.remove(secret.id);
    }

    void remove(NetworkRecord network) {
        networks.remove(network.id);
    }

    void remove(ServiceRecord service) {
        services.remove(service.id);
    }

    void remove(TaskRecord task) {
        tasks.remove(task.id);
    }

    void emit(String type, String action, String id, Map<String, String> attributes) {
        events.emit(new EventLog.Event(type, action, id, attributes, now()));
    }

    // ------------------------------------------------------------------------------------------------ lookup

    /** Full ID, then exact name, then a unique ID prefix: the engine's lookup order. */
    private static <T> T lookup(Collection<T> all, String ref, Function<T, String> id, Function<T, String> name,
                                String kind) {
        for (T t : all) {
            if (id.apply(t).equals(ref)) {
                return t;
            }
        }
        for (T t : all) {
            if (ref.equals(name.apply(t))) {
                return t;
            }
        }
        List<T> prefixed = all.stream().filter(t -> !ref.isEmpty() && id.apply(t).startsWith(ref)).toList();
        if (prefixed.size() > 1) {
            throw new ClusterException(ClusterException.Kind.INVALID,
                    kind + " " + ref + " is ambiguous (" + prefixed.size() + " matches found)");
        }
        if (prefixed.isEmpty()) {
            throw new ClusterException(ClusterException.Kind.NOT_FOUND, kind + " " + ref + " not found");
        }
        return prefixed.get(0);
    }

    /** {@link #lookup} for callers that word their own not-found error; an ambiguous prefix still fails. */
    private static <T> T find(Collection<T> all, String ref, Function<T, String> id, Function<T, String> name) {
        try {
            return lookup(all, ref, id, name, "object");
        } catch (ClusterException e) {
            if (e.kind() == ClusterException.Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }
}
