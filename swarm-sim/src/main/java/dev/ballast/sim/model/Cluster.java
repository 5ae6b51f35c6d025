package dev.ballast.sim.model;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The emulated swarm: its state and the orchestrator that moves it, under one lock.
 *
 * <p>Orchestration advances on a tick ({@link Settings#tick()}): each tick moves every starting task one life-cycle
 * step ({@code new → assigned → preparing → starting}, then the workload decides {@code running} or {@code failed}),
 * replaces the next batch of a rolling update once the previous batch has settled, and restarts failed tasks whose
 * restart delay has passed. Only services with work pending are visited, so an idle cluster costs nothing.
 */
public final class Cluster {

    /** Tunables. {@code restartDelay} applies when a service's RestartPolicy gives none. */
    public record Settings(int nodes, Duration tick, Duration restartDelay, int historyPerSlot) {
        public static Settings defaults() {
            return new Settings(2, Duration.ofMillis(5), Duration.ofMillis(200), 5);
        }
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern SERVICE_NAME = Pattern.compile("^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$");
    private static final List<String> STARTING = List.of("new", "assigned", "preparing", "starting");

    private final Clock clock;
    private final Ids ids;
    private final Workloads workloads;
    private final Settings settings;
    private final EventLog events = new EventLog();
    private final String clusterId;
    private final Instant createdAt;

    private final List<NodeRecord> nodes = new ArrayList<>();
    private final Map<String, NetworkRecord> networks = new LinkedHashMap<>();
    private final Map<String, ServiceRecord> services = new LinkedHashMap<>();
    private final Map<String, TaskRecord> tasks = new LinkedHashMap<>();
    /** Services with starting tasks, a rolling update or a restart pending. */
    private final Set<String> pending = new HashSet<>();
    /** When a failed slot may be restarted: task ID of the failed task → time. */
    private final Map<String, Instant> restartAt = new HashMap<>();
    private final Map<String, List<Workloads.VipBinding>> lastBindings = new HashMap<>();
    private long index = 10;
    private int networkCount;

    public Cluster(Clock clock, Random random, Workloads workloads, ScheduledExecutorService scheduler,
                   Settings settings) {
        this.clock = clock;
        this.ids = new Ids(random);
        this.workloads = workloads;
        this.settings = settings;
        this.clusterId = ids.swarmId();
        this.createdAt = clock.instant();
        for (int i = 1; i <= settings.nodes(); i++) {
            nodes.add(new NodeRecord(ids.swarmId(), "emu-" + i, "manager", i == 1, "127.0.1." + i, createdAt,
                    new LinkedHashMap<>(), ++index));
        }
        addNetwork(new NetworkRecord(ids.swarmId(), "ingress", "overlay", "swarm", false, true, false,
                new LinkedHashMap<>(), createdAt, new AddressPool(networkCount++), ++index));
        for (String local : List.of("bridge", "host", "none")) {
            addNetwork(new NetworkRecord(ids.hexId(), local, local.equals("none") ? "null" : local, "local", false,
                    false, false, new LinkedHashMap<>(), createdAt, null, ++index));
        }
        long tickMicros = settings.tick().toNanos() / 1000;
        scheduler.scheduleWithFixedDelay(this::tick, tickMicros, tickMicros, TimeUnit.MICROSECONDS);
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** Runs {@code reader} under the lock; renderers use this to see one consistent state. */
    public synchronized <T> T read(Function<Cluster, T> reader) {
        return reader.apply(this);
    }

    public EventLog events() {
        return events;
    }

    public String clusterId() {
        return clusterId;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public synchronized long index() {
        return index;
    }

    public Instant now() {
        return clock.instant();
    }

    /** The node this API endpoint runs on: the leader. */
    public NodeRecord self() {
        return nodes.get(0);
    }

    public List<NodeRecord> nodes() {
        return nodes;
    }

    public Collection<NetworkRecord> networks() {
        return networks.values();
    }

    public Collection<ServiceRecord> services() {
        return services.values();
    }

    public Collection<TaskRecord> tasks() {
        return tasks.values();
    }

    public synchronized ServiceRecord service(String ref) {
        return lookup(services.values(), ref, s -> s.id, ServiceRecord::name, "service");
    }

    public synchronized NetworkRecord network(String ref) {
        NetworkRecord found = find(networks.values(), ref, n -> n.id, n -> n.name);
        if (found == null) {
            throw new ClusterException(ClusterException.Kind.NOT_FOUND, "network " + ref + " not found");
        }
        return found;
    }

    public synchronized NodeRecord node(String ref) {
        return lookup(nodes, ref, n -> n.id, n -> n.hostname, "node");
    }

    public synchronized TaskRecord task(String ref) {
        TaskRecord found = find(tasks.values(), ref, t -> t.id, t -> null);
        if (found == null) {
            throw new ClusterException(ClusterException.Kind.NOT_FOUND, "task " + ref + " not found");
        }
        return found;
    }

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

    // ------------------------------------------------------------------------------------------------ services

    /** {@code POST /services/create}; {@code apiMinor} is the request's API version (44 for 1.44). */
    public synchronized ServiceRecord createService(ObjectNode raw, int apiMinor) {
        ObjectNode spec = normalize(raw, apiMinor);
        String name = spec.path("Name").asString("");
        if (!SERVICE_NAME.matcher(name).matches() || name.length() > 63) {
            throw new ClusterException(ClusterException.Kind.INVALID,
                    "rpc error: code = InvalidArgument desc = name must be valid as a DNS name component");
        }
        if (services.values().stream().anyMatch(s -> s.name().equals(name))) {
            throw new ClusterException(ClusterException.Kind.CONFLICT, "rpc error: code = AlreadyExists desc = "
                    + "name conflicts with an existing object: service " + name + " already exists");
        }
        ServiceRecord service = new ServiceRecord(ids.swarmId(), spec, now(), ++index);
        allocateEndpoint(service);
        services.put(service.id, service);
        emit("service", "create", service.id, Map.of("name", name));
        scale(service);
        return service;
    }

    /** {@code POST /services/{id}/update?version=N}. */
    public synchronized void updateService(String ref, long version, ObjectNode raw, int apiMinor) {
        ServiceRecord service = service(ref);
        if (version != service.version) {
            throw new ClusterException(ClusterException.Kind.INTERNAL,
                    "rpc error: code = Unknown desc = update out of sequence");
        }
        ObjectNode spec = normalize(raw, apiMinor);
        if (!spec.path("Name").asString("").equals(service.name())) {
            throw new ClusterException(ClusterException.Kind.UNIMPLEMENTED,
                    "rpc error: code = Unimplemented desc = renaming services is not supported");
        }
        if (spec.path("Mode").has("Global") != service.isGlobal()) {
            throw new ClusterException(ClusterException.Kind.UNIMPLEMENTED,
                    "rpc error: code = Unimplemented desc = service mode change is not allowed");
        }
        ObjectNode old = service.spec;
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("name", service.name());
        changed(attributes, "image", image(old), image(spec));
        if (!service.isGlobal()) {
            changed(attributes, "replicas", String.valueOf(service.replicas()),
                    spec.path("Mode").path("Replicated").path("Replicas").asString("1"));
        }
        service.previousSpec = old;
        service.spec = spec;
        service.updatedAt = now();
        service.version = ++index;
        if (!old.path("TaskTemplate").path("Networks").equals(spec.path("TaskTemplate").path("Networks"))
                || !old.path("EndpointSpec").equals(spec.path("EndpointSpec"))) {
            releaseEndpoint(service);
            allocateEndpoint(service);
        }
        boolean rolling = !old.path("TaskTemplate").equals(spec.path("TaskTemplate"));
        if (rolling) {
            String before = service.updateStatus == null ? null : service.updateStatus.state();
            service.updateStatus = new ServiceRecord.UpdateStatus("updating", now(), null, "update in progress");
            if (before != null && !before.equals("updating")) {
                attributes.put("updatestate.old", before);
            }
            attributes.put("updatestate.new", "updating");
        }
        emit("service", "update", service.id, attributes);
        scale(service);
        if (rolling) {
            pending.add(service.id);
        }
    }

    /** {@code DELETE /services/{id}}: the tasks stop and disappear. */
    public synchronized void removeService(String ref) {
        ServiceRecord service = service(ref);
        services.remove(service.id);
        for (TaskRecord task : List.copyOf(tasks.values())) {
            if (task.serviceId.equals(service.id)) {
                stopTask(task, "shutdown", "shutdown");
                tasks.remove(task.id);
            }
        }
        releaseEndpoint(service);
        workloads.virtualIps(service.id, List.of());
        lastBindings.remove(service.id);
        pending.remove(service.id);
        emit("service", "remove", service.id, Map.of("name", service.name()));
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

    /**
     * The engine's view of a spec: explicit nulls dropped, defaults filled in, network names resolved to IDs, the
     * deprecated top-level Networks honoured only for API versions before 1.44.
     */
    private ObjectNode normalize(ObjectNode raw, int apiMinor) {
        ObjectNode spec = (ObjectNode) withoutNulls(raw);
        ObjectNode mode = spec.has("Mode") && spec.get("Mode").isObject() ? (ObjectNode) spec.get("Mode") : spec.putObject("Mode");
        mode.remove("mode"); // docker-java sends a bogus lower-case key the engine ignores
        if (!mode.has("Replicated") && !mode.has("Global") && !mode.has("ReplicatedJob") && !mode.has("GlobalJob")) {
            mode.putObject("Replicated");
        }
        if (mode.has("Replicated") && !mode.get("Replicated").has("Replicas")) {
            ((ObjectNode) mode.get("Replicated")).put("Replicas", 1);
        }
        ObjectNode template = spec.has("TaskTemplate") && spec.get("TaskTemplate").isObject()
                ? (ObjectNode) spec.get("TaskTemplate") : spec.putObject("TaskTemplate");
        if (!template.has("ContainerSpec")) {
            template.putObject("ContainerSpec");
        }
        if (apiMinor < 44 && spec.has("Networks") && !template.has("Networks")) {
            template.set("Networks", spec.get("Networks"));
        }
        spec.remove("Networks");
        if (!template.has("ForceUpdate")) {
            template.put("ForceUpdate", 0);
        }
        if (!template.has("Runtime")) {
            template.put("Runtime", "container");
        }
        if (template.has("Networks")) {
            ArrayNode resolved = JSON.arrayNode();
            for (JsonNode attachment : template.get("Networks")) {
                ObjectNode a = ((ObjectNode) attachment).deepCopy();
                String target = a.path("Target").asString("");
                NetworkRecord network = find(networks.values(), target, n -> n.id, n -> n.name);
                if (network == null) {
                    throw new ClusterException(ClusterException.Kind.INTERNAL, "network " + target + " not found");
                }
                if (!network.isSwarmScoped()) {
                    throw new ClusterException(ClusterException.Kind.FORBIDDEN, "The network " + target
                            + " cannot be used with services. Only networks scoped to the swarm can be used, such "
                            + "as those created with the overlay driver.");
                }
                a.put("Target", network.id);
                resolved.add(a);
            }
            template.set("Networks", resolved);
        }
        ObjectNode endpoint = spec.has("EndpointSpec") && spec.get("EndpointSpec").isObject()
                ? (ObjectNode) spec.get("EndpointSpec") : spec.putObject("EndpointSpec");
        if (!endpoint.has("Mode")) {
            endpoint.put("Mode", "vip");
        }
        if (!spec.has("Labels")) {
            spec.putObject("Labels");
        }
        return spec;
    }

    private static JsonNode withoutNulls(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JSON.objectNode();
            node.properties().forEach(e -> {
                if (!e.getValue().isNull()) {
                    out.set(e.getKey(), withoutNulls(e.getValue()));
                }
            });
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JSON.arrayNode();
            node.forEach(v -> out.add(withoutNulls(v)));
            return out;
        }
        return node;
    }

    /** Virtual IPs on each attached network (none in dnsrr mode), plus ingress when ports are published. */
    private void allocateEndpoint(ServiceRecord service) {
        JsonNode endpointSpec = service.spec.path("EndpointSpec");
        boolean vip = !endpointSpec.path("Mode").asString("vip").equals("dnsrr");
        ArrayNode ports = JSON.arrayNode();
        int nextPublished = 30000 + services.size();
        for (JsonNode p : endpointSpec.path("Ports")) {
            ObjectNode port = ((ObjectNode) p).deepCopy();
            if (!port.has("Protocol")) {
                port.put("Protocol", "tcp");
            }
            if (!port.has("PublishMode")) {
                port.put("PublishMode", "ingress");
            }
            if (port.path("PublishedPort").asInt(0) == 0) {
                port.put("PublishedPort", nextPublished++);
            }
            ports.add(port);
        }
        service.endpointPorts = ports.isEmpty() ? null : JSON.objectNode().set("Ports", ports);
        if (!vip) {
            return;
        }
        if (!ports.isEmpty()) {
            NetworkRecord ingress = networks.values().stream().filter(n -> n.ingress).findFirst().orElseThrow();
            service.vips.put(ingress.id, ingress.pool.allocate());
        }
        for (JsonNode attachment : service.spec.path("TaskTemplate").path("Networks")) {
            NetworkRecord network = networks.get(attachment.path("Target").asString());
            service.vips.putIfAbsent(network.id, network.pool.allocate());
        }
    }

    private void releaseEndpoint(ServiceRecord service) {
        service.vips.forEach((networkId, address) -> {
            NetworkRecord network = networks.get(networkId);
            if (network != null) {
                network.pool.release(address);
            }
        });
        service.vips.clear();
    }

    // ------------------------------------------------------------------------------------------------ tasks

    /** Makes the number of active tasks match the spec: new slots get tasks, surplus slots shut down. */
    private void scale(ServiceRecord service) {
        List<TaskRecord> active = tasksOf(service.id).stream().filter(TaskRecord::isActive).toList();
        if (service.isGlobal()) {
            List<NodeRecord> eligible = Placement.eligible(service.spec.path("TaskTemplate"), nodes);
            for (NodeRecord node : eligible) {
                if (active.stream().noneMatch(t -> t.nodeId.equals(node.id))) {
                    createTask(service, 0, node);
                }
            }
            for (TaskRecord t : active) {
                if (eligible.stream().noneMatch(n -> n.id.equals(t.nodeId))) {
                    stopTask(t, "shutdown", "shutdown");
                }
            }
        } else {
            long replicas = service.replicas();
            for (int slot = 1; slot <= replicas; slot++) {
                final int s = slot;
                if (active.stream().noneMatch(t -> t.slot == s) && !restartPending(service.id, s)) {
                    createTask(service, slot, null);
                }
            }
            for (TaskRecord t : active) {
                if (t.slot > replicas) {
                    stopTask(t, "shutdown", "shutdown");
                }
            }
        }
        pending.add(service.id);
        publishVips(service);
    }

    private boolean restartPending(String serviceId, int slot) {
        return restartAt.keySet().stream().map(tasks::get)
                .anyMatch(t -> t != null && t.serviceId.equals(serviceId) && t.slot == slot);
    }

    private void createTask(ServiceRecord service, int slot, NodeRecord onNode) {
        List<NodeRecord> eligible = Placement.eligible(service.spec.path("TaskTemplate"), nodes);
        NodeRecord node = onNode != null ? onNode : eligible.isEmpty() ? null : eligible.get((slot - 1) % eligible.size());
        TaskRecord task = new TaskRecord(ids.swarmId(), service.id, slot, node == null ? "" : node.id,
                (ObjectNode) service.spec.get("TaskTemplate").deepCopy(), now(), ids.hexId(), ++index);
        if (node == null) {
            task.state = "pending";
            task.message = "pending task scheduling";
            task.err = "no suitable node (scheduling constraints not satisfied on " + nodes.size() + " nodes)";
        }
        tasks.put(task.id, task);
        pruneHistory(service.id, slot, task.nodeId);
    }

    /** Keeps at most {@code historyPerSlot} finished tasks per slot (per node for global services). */
    private void pruneHistory(String serviceId, int slot, String nodeId) {
        List<TaskRecord> finished = tasksOf(serviceId).stream()
                .filter(t -> !t.isActive() && t.slot == slot && (slot != 0 || t.nodeId.equals(nodeId)))
                .sorted(Comparator.comparing((TaskRecord t) -> t.createdAt))
                .toList();
        for (int i = 0; i < finished.size() - settings.historyPerSlot(); i++) {
            tasks.remove(finished.get(i).id);
            restartAt.remove(finished.get(i).id);
        }
    }

    private List<TaskRecord> tasksOf(String serviceId) {
        return tasks.values().stream().filter(t -> t.serviceId.equals(serviceId)).toList();
    }

    private void setState(TaskRecord task, String state, String message) {
        task.state = state;
        task.message = message;
        task.statusAt = now();
        task.updatedAt = task.statusAt;
        task.version = ++index;
    }

    private void stopTask(TaskRecord task, String state, String message) {
        task.desiredState = "shutdown";
        if (!task.state.equals("failed") && !task.state.equals("complete")) {
            setState(task, state, message);
        }
        workloads.stop(task.id);
        releaseAddresses(task);
    }

    private void releaseAddresses(TaskRecord task) {
        task.addresses.forEach((networkId, address) -> {
            NetworkRecord network = networks.get(networkId);
            if (network != null) {
                network.pool.release(address);
            }
        });
    }

    /** One orchestration step for every service with work pending. */
    private synchronized void tick() {
        try {
            for (String serviceId : List.copyOf(pending)) {
                ServiceRecord service = services.get(serviceId);
                if (service == null) {
                    pending.remove(serviceId);
                    continue;
                }
                boolean busy = advanceTasks(service);
                busy |= restartFailed(service);
                busy |= rollOn(service);
                publishVips(service);
                if (!busy) {
                    pending.remove(serviceId);
                }
            }
        } catch (RuntimeException e) {
            // The orchestrator must survive its own bugs; the next tick tries again.
            org.slf4j.LoggerFactory.getLogger(Cluster.class).error("orchestrator tick failed", e);
        }
    }

    private boolean advanceTasks(ServiceRecord service) {
        boolean busy = false;
        for (TaskRecord task : tasksOf(service.id)) {
            if (!task.isActive()) {
                continue;
            }
            switch (task.state) {
                case "new" -> setState(task, "assigned", "scheduler assigned task to node");
                case "assigned" -> setState(task, "preparing", "preparing");
                case "preparing" -> launch(service, task);
                case "pending" -> {
                    continue; // unschedulable; stays pending like the engine's
                }
                default -> {
                }
            }
            busy |= STARTING.contains(task.state);
        }
        return busy;
    }

    private void launch(ServiceRecord service, TaskRecord task) {
        setState(task, "starting", "starting");
        List<String> addresses = new ArrayList<>();
        for (JsonNode attachment : task.spec.path("Networks")) {
            NetworkRecord network = networks.get(attachment.path("Target").asString());
            if (network != null) {
                String address = network.pool.allocate();
                task.addresses.put(network.id, address);
                addresses.add(address);
            }
        }
        JsonNode container = task.spec.path("ContainerSpec");
        List<String> args = new ArrayList<>();
        container.path("Command").forEach(a -> args.add(a.asString()));
        container.path("Args").forEach(a -> args.add(a.asString()));
        String hostname = container.path("Hostname").asString("");
        if (hostname.isEmpty()) {
            hostname = task.containerId.substring(0, 12);
        }
        task.pid = 1000 + (int) (index % 30000);
        String taskId = task.id;
        workloads.start(new Workloads.TaskLaunch(task.id, service.name(), container.path("Image").asString(""),
                args, hostname, addresses), new Workloads.TaskCallback() {
                    @Override
                    public void running(int port) {
                        taskRunning(taskId, port);
                    }

                    @Override
                    public void failed(String error, int exitCode) {
                        taskFailed(taskId, error, exitCode);
                    }
                });
    }

    private synchronized void taskRunning(String taskId, int port) {
        TaskRecord task = tasks.get(taskId);
        if (task == null || !task.isActive() || !task.state.equals("starting")) {
            if (task != null && !task.isActive()) {
                workloads.stop(taskId); // it was shut down while starting
            }
            return;
        }
        task.port = port;
        setState(task, "running", "started");
        pending.add(task.serviceId);
        ServiceRecord service = services.get(task.serviceId);
        if (service != null) {
            publishVips(service); // at once: a client that sees the task running may call the VIP next
        }
    }

    /** A task's workload failed (it could not start, or it was killed): mark it and plan its restart. */
    public synchronized void taskFailed(String taskId, String error, int exitCode) {
        TaskRecord task = tasks.get(taskId);
        if (task == null || task.state.equals("failed") || task.state.equals("shutdown")) {
            return;
        }
        task.exitCode = exitCode;
        task.err = error;
        setState(task, "failed", "started".equals(task.message) ? "started" : task.message);
        task.desiredState = "shutdown";
        workloads.stop(task.id);
        releaseAddresses(task);
        ServiceRecord service = services.get(task.serviceId);
        if (service != null && !service.spec.path("TaskTemplate").path("RestartPolicy").path("Condition")
                .asString("any").equals("none")) {
            long delayNanos = service.spec.path("TaskTemplate").path("RestartPolicy").path("Delay").asLong(-1);
            Duration delay = delayNanos >= 0 ? Duration.ofNanos(delayNanos) : settings.restartDelay();
            restartAt.put(task.id, now().plus(delay));
        }
        pending.add(task.serviceId);
        if (service != null) {
            publishVips(service);
        }
    }

    /** Kills a running task, as if its container died (fault injection). */
    public synchronized void killTask(String ref) {
        TaskRecord task = task(ref);
        if (!task.isRunning()) {
            throw new ClusterException(ClusterException.Kind.INVALID, "task " + ref + " is not running");
        }
        taskFailed(task.id, "task: non-zero exit (137)", 137);
    }

    private boolean restartFailed(ServiceRecord service) {
        boolean busy = false;
        for (Map.Entry<String, Instant> e : List.copyOf(restartAt.entrySet())) {
            TaskRecord failed = tasks.get(e.getKey());
            if (failed == null) {
                restartAt.remove(e.getKey());
                continue;
            }
            if (!failed.serviceId.equals(service.id)) {
                continue;
            }
            if (now().isBefore(e.getValue())) {
                busy = true;
                continue;
            }
            restartAt.remove(e.getKey());
            boolean slotWanted = service.isGlobal() || failed.slot <= service.replicas();
            boolean slotFree = tasksOf(service.id).stream().noneMatch(t -> t.isActive() && t.slot == failed.slot
                    && (failed.slot != 0 || t.nodeId.equals(failed.nodeId)));
            if (slotWanted && slotFree) {
                NodeRecord node = service.isGlobal() ? nodes.stream().filter(n -> n.id.equals(failed.nodeId))
                        .findFirst().orElse(null) : null;
                createTask(service, failed.slot, node);
                busy = true;
            }
        }
        return busy;
    }

    /** The next batch of a rolling update, once every task of the service has settled. */
    private boolean rollOn(ServiceRecord service) {
        if (service.updateStatus == null || !service.updateStatus.state().equals("updating")) {
            return false;
        }
        List<TaskRecord> active = tasksOf(service.id).stream().filter(TaskRecord::isActive).toList();
        if (active.stream().anyMatch(t -> STARTING.contains(t.state))) {
            return true;
        }
        JsonNode template = service.spec.path("TaskTemplate");
        List<TaskRecord> outdated = active.stream().filter(t -> !t.spec.equals(template)).toList();
        if (outdated.isEmpty()) {
            service.updateStatus = new ServiceRecord.UpdateStatus("completed", service.updateStatus.startedAt(),
                    now(), "update completed");
            service.version = ++index;
            emit("service", "update", service.id, Map.of("name", service.name(),
                    "updatestate.old", "updating", "updatestate.new", "completed"));
            return false;
        }
        int parallelism = service.spec.path("UpdateConfig").path("Parallelism").asInt(1);
        int batch = parallelism <= 0 ? outdated.size() : Math.min(parallelism, outdated.size());
        for (TaskRecord old : outdated.subList(0, batch)) {
            stopTask(old, "shutdown", "shutdown");
            NodeRecord node = service.isGlobal()
                    ? nodes.stream().filter(n -> n.id.equals(old.nodeId)).findFirst().orElse(null) : null;
            createTask(service, old.slot, node);
        }
        return true;
    }

    /** Points each virtual IP at the running tasks on its network; tells the workloads only when it changed. */
    private void publishVips(ServiceRecord service) {
        List<Workloads.VipBinding> bindings = new ArrayList<>();
        List<TaskRecord> running = tasksOf(service.id).stream().filter(t -> t.isActive() && t.isRunning()).toList();
        int port = running.stream().mapToInt(t -> t.port).filter(p -> p > 0).findFirst().orElse(0);
        if (port > 0) {
            service.vips.forEach((networkId, vip) -> bindings.add(new Workloads.VipBinding(vip, port,
                    running.stream().map(t -> t.addresses.get(networkId)).filter(Objects::nonNull).sorted().toList())));
        }
        if (!bindings.equals(lastBindings.get(service.id))) {
            lastBindings.put(service.id, bindings);
            workloads.virtualIps(service.id, bindings);
        }
    }

    // ------------------------------------------------------------------------------------------------ networks

    /** {@code POST /networks/create}. */
    public synchronized NetworkRecord createNetwork(String name, String driver, boolean attachable, boolean internal,
                                                    Map<String, String> labels) {
        if (name.isBlank()) {
            throw new ClusterException(ClusterException.Kind.INVALID, "network name must not be empty");
        }
        if (networks.values().stream().anyMatch(n -> n.name.equals(name))) {
            throw new ClusterException(ClusterException.Kind.CONFLICT, "network with name " + name + " already exists");
        }
        boolean overlay = driver.isEmpty() || driver.equals("overlay");
        NetworkRecord network = overlay
                ? new NetworkRecord(ids.swarmId(), name, "overlay", "swarm", attachable, false, internal,
                        new LinkedHashMap<>(labels), now(), new AddressPool(networkCount++), ++index)
                : new NetworkRecord(ids.hexId(), name, driver, "local", attachable, false, internal,
                        new LinkedHashMap<>(labels), now(), null, ++index);
        addNetwork(network);
        emit("network", "create", network.id, Map.of("name", name, "type", network.driver));
        return network;
    }

    private void addNetwork(NetworkRecord network) {
        networks.put(network.id, network);
    }

    /** {@code DELETE /networks/{id}}. */
    public synchronized void removeNetwork(String ref) {
        NetworkRecord network = network(ref);
        if (network.ingress || List.of("bridge", "host", "none").contains(network.name) && !network.isSwarmScoped()
                && network.createdAt.equals(createdAt)) {
            throw new ClusterException(ClusterException.Kind.FORBIDDEN,
                    network.name + " is a pre-defined network and cannot be removed");
        }
        for (ServiceRecord service : services.values()) {
            for (JsonNode attachment : service.spec.path("TaskTemplate").path("Networks")) {
                if (attachment.path("Target").asString().equals(network.id)) {
                    throw new ClusterException(ClusterException.Kind.FORBIDDEN, "rpc error: code = FailedPrecondition "
                            + "desc = network " + network.id + " is in use by service " + service.id);
                }
            }
        }
        networks.remove(network.id);
        emit("network", "remove", network.id, Map.of("name", network.name, "type", network.driver));
    }

    // ------------------------------------------------------------------------------------------------ events

    private void emit(String type, String action, String id, Map<String, String> attributes) {
        events.emit(new EventLog.Event(type, action, id, attributes, now()));
    }
}
