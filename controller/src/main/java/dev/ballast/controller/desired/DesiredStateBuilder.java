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
import dev.ballast.schema.labels.DockerFlowLabels;
import dev.ballast.schema.labels.LabelTranslation;
import dev.ballast.schema.labels.LabelTranslator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
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

    private record TranslationKey(String service, Map<String, String> labels) {
    }

    private record Candidate(Route route, String source, String origin, List<Condition> conditions) {
    }

    private final LabelTranslator translator;
    private final String notifyKey;
    private final Optional<String> network;
    private final Cache<TranslationKey, LabelTranslation> translations = Caffeine.newBuilder().maximumSize(200_000).build();
    private final Cache<Map<String, String>, LabelTranslation> pushTranslations = Caffeine.newBuilder().maximumSize(50_000).build();
    /** Canonical hashes of immutable routes and endpoints, by identity (weak keys compare by identity). */
    private final Cache<Object, String> itemHashes = Caffeine.newBuilder().weakKeys().build();
    private Map<String, Endpoints> previousEndpoints = Map.of();

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

        Map<String, Candidate> winners = new LinkedHashMap<>();
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

        Map<String, SwarmService> byName = new HashMap<>();
        swarm.services().forEach(s -> byName.put(s.name(), s));
        Map<String, List<SwarmTask>> tasksByService = new HashMap<>();
        swarm.tasks().forEach(t -> tasksByService.computeIfAbsent(t.serviceId(), k -> new ArrayList<>()).add(t));

        List<Route> routes = new ArrayList<>(winners.size());
        Map<String, Endpoints> endpoints = new TreeMap<>();
        for (Candidate c : winners.values()) {
            routes.add(c.route());
            List<Condition> conditions = new ArrayList<>(c.conditions());
            conditions.add(0, Condition.accepted());
            conditions.addAll(extra.getOrDefault(c.route().name(), List.of()));
            String service = c.route().spec().service();
            if (service != null && !endpoints.containsKey(service)) {
                endpoints.put(service, endpointsOf(service, byName.get(service), c.route().spec().endpointMode(),
                        tasksByService, swarm.networkNames(), conditions));
            }
            statuses.add(new RouteStatus(c.route().name(), c.source(), c.origin(), true, conditions));
        }
        statuses.sort(Comparator.comparing(RouteStatus::name).thenComparing(s -> !s.accepted()));
        previousEndpoints = endpoints;
        Snapshot snapshot = Snapshot.of(routes, new ArrayList<>(endpoints.values()),
                item -> itemHashes.get(item, SnapshotVersions::itemHash));
        return new DesiredState(snapshot, statuses, dockerFlowServices(swarm, tasksByService));
    }

    /** Swarm label routes; translations are cached per service name and labels, misses translated in parallel. */
    private void labelRoutes(List<SwarmService> services, List<Candidate> candidates, List<RouteStatus> statuses) {
        List<TranslationKey> keys = services.stream().filter(s -> s.labels().containsKey(notifyKey))
                .map(s -> new TranslationKey(s.name(), s.labels())).toList();
        Map<TranslationKey, LabelTranslation> found = new HashMap<>(translations.getAllPresent(keys));
        keys.parallelStream().filter(k -> !found.containsKey(k))
                .map(k -> Map.entry(k, translator.translateLabels(k.service(), k.labels())))
                .toList()
                .forEach(e -> {
                    translations.put(e.getKey(), e.getValue());
                    found.put(e.getKey(), e.getValue());
                });
        for (TranslationKey key : keys) {
            accept(found.get(key), SWARM, "service " + key.service(), candidates, statuses);
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

    private Endpoints endpointsOf(String name, SwarmService service, EndpointMode mode,
                                  Map<String, List<SwarmTask>> tasks, Map<String, String> networkNames,
                                  List<Condition> conditions) {
        if (service == null) {
            conditions.add(new Condition("NoEndpoints", "no Swarm service named " + name));
            return reuse(new Endpoints(name, List.of()));
        }
        Optional<String> networkId = network.isPresent()
                ? service.networkIds().stream().filter(id -> network.get().equals(networkNames.get(id))).findFirst()
                : service.networkIds().stream().filter(id -> !"ingress".equals(networkNames.get(id))).findFirst();
        List<Endpoint> addresses = new ArrayList<>();
        if (networkId.isEmpty()) {
            conditions.add(new Condition("NoEndpoints", "service " + service.name() + " is not on "
                    + network.map(n -> "network " + n).orElse("any overlay network") + " shared with the proxy"));
        } else if (mode == EndpointMode.VIP) {
            String vip = service.virtualIps().get(networkId.get());
            if (vip == null) {
                conditions.add(new Condition("NoEndpoints", "service " + service.name() + " has no virtual IP"
                        + (service.dnsrr() ? " (dnsrr endpoint mode)" : "")));
            } else {
                addresses.add(new Endpoint(vip));
            }
        } else {
            for (SwarmTask t : tasks.getOrDefault(service.id(), List.of())) {
                String address = t.addresses().get(networkId.get());
                if (address != null) {
                    addresses.add(new Endpoint(address));
                }
            }
            if (addresses.isEmpty()) {
                conditions.add(new Condition("NoEndpoints", "service " + service.name() + " has no running task"));
            }
        }
        return reuse(new Endpoints(service.name(), addresses));
    }

    /** The previous pass's instance when equal, so its cached hash is found again. */
    private Endpoints reuse(Endpoints fresh) {
        Endpoints old = previousEndpoints.get(fresh.service());
        return fresh.equals(old) ? old : fresh;
    }

    /** Opted-in services as flat string maps, like Docker Flow Swarm Listener's {@code get-services}. */
    private List<Map<String, String>> dockerFlowServices(SwarmState swarm, Map<String, List<SwarmTask>> tasks) {
        List<Map<String, String>> out = new ArrayList<>();
        for (SwarmService s : swarm.services()) {
            if (!"true".equalsIgnoreCase(s.labels().getOrDefault(notifyKey, "").trim())) {
                continue;
            }
            Map<String, String> flat = new TreeMap<>();
            s.labels().forEach((k, v) -> {
                if (k.startsWith(DockerFlowLabels.PREFIX) && !k.equals(notifyKey)) {
                    flat.put(k.substring(DockerFlowLabels.PREFIX.length()), v);
                }
            });
            flat.put("serviceName", s.name());
            flat.putIfAbsent("distribute", "true");
            if (s.replicas() != null) {
                flat.put("replicas", String.valueOf(s.replicas()));
            }
            out.add(flat);
        }
        return out;
    }
}
