package dev.ballast.controller.desired;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ballast.controller.gitops.GitOpsSource;
import dev.ballast.controller.swarm.SwarmService;
import dev.ballast.controller.swarm.SwarmState;
import dev.ballast.controller.swarm.SwarmTask;
import dev.ballast.schema.Endpoint;
import dev.ballast.schema.EndpointMode;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Problem;
import dev.ballast.schema.Route;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotVersions;
import dev.ballast.schema.labels.LabelTranslation;
import dev.ballast.schema.labels.LabelTranslator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns what the sources say into the desired state. A pure function of its inputs (the caches only remember work
 * already done), so a pass repeated on the same inputs yields the same snapshot and version.
 *
 * <ul>
 * <li>Routes: GitOps files first, then Swarm labels, then the push API. A name defined twice goes to the first source;
 *     both routes get a {@code Conflict} condition naming the other.
 * <li>Endpoints, per service a route names: the running tasks' addresses on the network shared with the proxy
 *     (the configured one, else the service's first network), or its virtual IP there in VIP mode. A service that is
 *     scaled to 0, or unknown, keeps its route with no endpoints: the dataplane answers 503.
 * </ul>
 */
public final class DesiredStateBuilder {

    private static final String GITOPS = "gitops";
    private static final String SWARM = "swarm";
    private static final String PUSH = "push";
    /** The conditions of a route with nothing to report but its acceptance (most routes, shared). */
    private static final List<Condition> ACCEPTED = List.of(Condition.accepted());

    /** A service's labels and what they translated to, kept while the labels stay the same. */
    private record Translated(Map<String, String> labels, LabelTranslation translation) {
    }

    private record Candidate(Route route, String source, String origin, List<Condition> conditions) {
    }

    private final LabelTranslator translator;
    private final String notifyKey;
    private final Optional<String> network;
    private final Cache<Map<String, String>, LabelTranslation> pushTranslations = Caffeine.newBuilder().maximumSize(50_000).build();
    /** Last pass's translations by service name: unchanged labels are not translated again. */
    private Map<String, Translated> translations = Map.of();

    /** What a service's endpoints were computed from, and the result; reused while the inputs are equal. */
    private record EndpointsEntry(SwarmService service, List<SwarmTask> tasks, EndpointMode mode, Endpoints endpoints,
                                  List<Condition> conditions) {
    }

    private Map<String, EndpointsEntry> endpointsCache = Map.of();
    private List<SwarmTask> groupedTasks;
    private Map<String, List<SwarmTask>> tasksByService = Map.of();

    // The published content, kept between passes so a pass touches only what changed: the routes and endpoints in
    // name order, each item's digest (by identity: an unchanged item is the same instance), and their running sum,
    // which is the version (see SnapshotVersions).
    private final Map<String, Route> routesByName = new HashMap<>();
    private final TreeMap<String, Route> sortedRoutes = new TreeMap<>();
    private final Map<String, Endpoints> endpointsByService = new HashMap<>();
    private final TreeMap<String, Endpoints> sortedEndpoints = new TreeMap<>();
    private final Map<Object, SnapshotVersions.Digest> digests = new IdentityHashMap<>();
    private final SnapshotVersions.Accumulator version = new SnapshotVersions.Accumulator();

    public DesiredStateBuilder(LabelTranslator translator, String notifyLabel, Optional<String> network) {
        this.translator = translator;
        this.notifyKey = notifyLabel.contains("=") ? notifyLabel.substring(0, notifyLabel.indexOf('=')) : notifyLabel;
        this.network = network;
    }

    public synchronized DesiredState build(SwarmState swarm, GitOpsSource.State gitops,
                                           Map<String, Map<String, String>> push) {
        List<Candidate> candidates = new ArrayList<>();
        List<RouteStatus> statuses = new ArrayList<>();
        for (LoadedRoute loaded : gitops.routes()) {
            candidates.add(new Candidate(loaded.route(), GITOPS, loaded.location(), List.of()));
        }
        labelRoutes(swarm.services(), candidates, statuses);
        pushRoutes(push, candidates, statuses);

        Map<String, Candidate> winners = new HashMap<>(candidates.size() * 2);
        Map<String, List<Condition>> extra = new HashMap<>();
        for (Candidate c : candidates) {
            Candidate winner = winners.putIfAbsent(c.route().name(), c);
            if (winner != null) {
                statuses.add(new RouteStatus(c.route().name(), c.source(), c.origin(), false, List.of(new Condition(
                        "Conflict", "also defined by " + winner.source() + " (" + winner.origin()
                        + "), which takes precedence"))));
                extra.computeIfAbsent(c.route().name(), k -> new ArrayList<>()).add(new Condition("Conflict",
                        "takes precedence over the route of the same name from " + c.source() + " (" + c.origin() + ")"));
            }
        }

        Map<String, SwarmService> byName = new HashMap<>(swarm.services().size() * 2);
        swarm.services().forEach(s -> byName.put(s.name(), s));
        if (swarm.tasks() != groupedTasks) { // a task poll or a full list brought new tasks
            Map<String, List<SwarmTask>> grouped = new HashMap<>(swarm.services().size() * 2);
            swarm.tasks().forEach(t -> grouped.computeIfAbsent(t.serviceId(), k -> new ArrayList<>(2)).add(t));
            tasksByService = grouped;
            groupedTasks = swarm.tasks();
        }
        Map<String, EndpointsEntry> cache = new HashMap<>(swarm.services().size() * 2);

        Map<String, Endpoints> endpoints = new HashMap<>(winners.size() * 2);
        for (Candidate c : winners.values()) {
            String service = c.route().spec().service();
            List<Condition> endpointConditions = List.of();
            if (service != null && !endpoints.containsKey(service)) {
                EndpointsEntry entry = endpointsEntry(service, byName.get(service), c.route().spec().endpointMode(),
                        swarm.networkNames());
                cache.put(service, entry);
                endpoints.put(service, entry.endpoints());
                endpointConditions = entry.conditions();
            }
            List<Condition> conflicts = extra.isEmpty() ? List.of() : extra.getOrDefault(c.route().name(), List.of());
            List<Condition> conditions = ACCEPTED;
            if (!c.conditions().isEmpty() || !conflicts.isEmpty() || !endpointConditions.isEmpty()) {
                conditions = new ArrayList<>(ACCEPTED);
                conditions.addAll(c.conditions());
                conditions.addAll(conflicts);
                conditions.addAll(endpointConditions);
            }
            statuses.add(new RouteStatus(c.route().name(), c.source(), c.origin(), true, conditions));
        }
        endpointsCache = cache;
        List<Object> added = new ArrayList<>();
        sync(routesByName, sortedRoutes, winners.keySet(), name -> winners.get(name).route(), added);
        sync(endpointsByService, sortedEndpoints, endpoints.keySet(), endpoints::get, added);
        added.parallelStream().map(item -> Map.entry(item, SnapshotVersions.digest(item, SnapshotVersions.itemHash(item))))
                .toList()
                .forEach(e -> {
                    digests.put(e.getKey(), e.getValue());
                    version.add(e.getValue());
                });
        // List.copyOf: one copy, which the snapshot keeps as it is (it only checks the order)
        Snapshot snapshot = new Snapshot(version.version(), List.copyOf(sortedRoutes.values()),
                List.copyOf(sortedEndpoints.values()));
        return new DesiredState(snapshot, statuses);
    }

    /**
     * Brings the kept items to {@code wanted}: an item that is not the same instance as before leaves the sum and
     * goes to {@code added} (to be hashed, in parallel, by the caller); names no longer wanted leave both.
     */
    private <T> void sync(Map<String, T> kept, TreeMap<String, T> sorted, java.util.Set<String> wanted,
                          java.util.function.Function<String, T> itemOf, List<Object> added) {
        for (String name : wanted) {
            T item = itemOf.apply(name);
            T old = kept.put(name, item);
            if (old != item) {
                if (old != null) {
                    version.remove(digests.remove(old));
                }
                sorted.put(name, item);
                added.add(item);
            }
        }
        kept.entrySet().removeIf(e -> {
            if (wanted.contains(e.getKey())) {
                return false;
            }
            version.remove(digests.remove(e.getValue()));
            sorted.remove(e.getKey());
            return true;
        });
    }

    /** Swarm label routes; a service whose labels did not change keeps its translation, new ones in parallel. */
    private void labelRoutes(List<SwarmService> services, List<Candidate> candidates, List<RouteStatus> statuses) {
        Map<String, Translated> previous = translations;
        Map<String, Translated> next = new HashMap<>(services.size() * 2);
        List<SwarmService> changed = new ArrayList<>();
        for (SwarmService s : services) {
            if (!s.labels().containsKey(notifyKey)) {
                continue;
            }
            Translated old = previous.get(s.name());
            if (old != null && (old.labels() == s.labels() || old.labels().equals(s.labels()))) {
                next.put(s.name(), old);
            } else {
                changed.add(s);
            }
        }
        changed.parallelStream()
                .map(s -> Map.entry(s.name(), new Translated(s.labels(), translator.translateLabels(s.name(), s.labels()))))
                .toList()
                .forEach(e -> next.put(e.getKey(), e.getValue()));
        translations = next;
        for (SwarmService s : services) {
            Translated t = next.get(s.name());
            if (t != null) {
                accept(t.translation(), SWARM, "service " + s.name(), candidates, statuses);
            }
        }
    }

    private void pushRoutes(Map<String, Map<String, String>> push, List<Candidate> candidates, List<RouteStatus> statuses) {
        for (Map.Entry<String, Map<String, String>> e : push.entrySet()) {
            LabelTranslation t = pushTranslations.get(e.getValue(), translator::translateParameters);
            accept(t, PUSH, "push " + e.getKey(), candidates, statuses);
        }
    }

    private static void accept(LabelTranslation translation, String source, String origin, List<Candidate> candidates,
                               List<RouteStatus> statuses) {
        if (translation instanceof LabelTranslation.Translated t) {
            candidates.add(new Candidate(t.route(), source, origin, warnings(t.warnings())));
        } else if (translation instanceof LabelTranslation.Invalid invalid) {
            List<Condition> conditions = new ArrayList<>();
            invalid.errors().forEach(p -> conditions.add(new Condition("Invalid", p.format())));
            conditions.addAll(warnings(invalid.warnings()));
            statuses.add(new RouteStatus(invalid.routeName(), source, origin, false, conditions));
        }
    }

    private static List<Condition> warnings(Collection<Problem> warnings) {
        return warnings.stream().map(w -> new Condition("Warning", w.field() + ": " + w.message())).toList();
    }

    /** Last pass's endpoints of a service when what they came from is unchanged, else computed afresh. */
    private EndpointsEntry endpointsEntry(String name, SwarmService service, EndpointMode mode,
                                          Map<String, String> networkNames) {
        List<SwarmTask> tasks = service == null ? List.of() : tasksByService.getOrDefault(service.id(), List.of());
        EndpointsEntry old = endpointsCache.get(name);
        if (old != null && old.mode() == mode && (old.service() == service || java.util.Objects.equals(old.service(), service))
                && (old.tasks() == tasks || old.tasks().equals(tasks))) {
            return old;
        }
        List<Condition> conditions = new ArrayList<>(1);
        Endpoints endpoints = endpointsOf(name, service, mode, tasksByService, networkNames, conditions);
        return new EndpointsEntry(service, tasks, mode, endpoints, List.copyOf(conditions));
    }

    private Endpoints endpointsOf(String name, SwarmService service, EndpointMode mode,
                                  Map<String, List<SwarmTask>> tasks, Map<String, String> networkNames,
                                  List<Condition> conditions) {
        if (service == null) {
            conditions.add(new Condition("NoEndpoints", "no Swarm service named " + name));
            return reuse(name, new ArrayList<>());
        }
        Optional<String> networkId = sharedNetwork(service, networkNames);
        List<String> addresses = new ArrayList<>();
        if (networkId.isEmpty()) {
            conditions.add(new Condition("NoEndpoints", "service " + service.name() + " is not on "
                    + network.map(n -> "network " + n).orElse("any overlay network") + " shared with the proxy"));
        } else if (mode == EndpointMode.VIP) {
            String vip = service.virtualIps().get(networkId.get());
            if (vip == null) {
                conditions.add(new Condition("NoEndpoints", "service " + service.name() + " has no virtual IP"
                        + (service.dnsrr() ? " (dnsrr endpoint mode)" : "")));
            } else {
                addresses.add(vip);
            }
        } else {
            for (SwarmTask t : tasks.getOrDefault(service.id(), List.of())) {
                String address = t.addresses().get(networkId.get());
                if (address != null) {
                    addresses.add(address);
                }
            }
            if (addresses.isEmpty()) {
                conditions.add(new Condition("NoEndpoints", "service " + service.name() + " has no running task"));
            }
        }
        return reuse(name, addresses);
    }

    /** The configured network if the service is on it, else the service's first network that is not ingress. */
    private Optional<String> sharedNetwork(SwarmService service, Map<String, String> networkNames) {
        for (String id : service.networkIds()) {
            String name = networkNames.get(id);
            if (network.isPresent() ? network.get().equals(name) : !"ingress".equals(name)) {
                return Optional.of(id);
            }
        }
        return Optional.empty();
    }

    /** The previous pass's instance when the addresses are the same, so its hash is found again by identity. */
    private Endpoints reuse(String service, List<String> addresses) {
        addresses.sort(null);
        EndpointsEntry previous = endpointsCache.get(service);
        Endpoints old = previous == null ? null : previous.endpoints();
        if (old != null && old.endpoints().size() == addresses.size()) {
            boolean same = true;
            for (int i = 0; i < addresses.size() && same; i++) {
                same = old.endpoints().get(i).address().equals(addresses.get(i));
            }
            if (same) {
                return old;
            }
        }
        return new Endpoints(service, addresses.stream().map(Endpoint::new).toList());
    }

}
