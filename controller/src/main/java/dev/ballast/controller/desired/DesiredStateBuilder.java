package dev.ballast.controller.desired;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ballast.controller.gitops.GitOpsSource;
import dev.ballast.controller.swarm.ServiceState;
import dev.ballast.controller.swarm.SwarmService;
import dev.ballast.controller.swarm.SwarmState;
import dev.ballast.schema.AcmeChallenge;
import dev.ballast.schema.EndpointMode;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.TlsCertificate;
import dev.ballast.schema.labels.DockerFlowLabels;
import dev.ballast.schema.labels.LabelTranslation;
import dev.ballast.schema.labels.LabelTranslator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns what the sources say into the desired state.
 *
 * <ul>
 * <li>Routes: GitOps files first, then Swarm labels (services in name order), then the push API. A name defined twice
 *     goes to the first; both routes get a {@code Conflict} condition naming the other.
 * <li>Endpoints, per service a route names: see {@link ServiceEndpoints}. Every route naming a service without
 *     endpoints carries the reason.
 * <li>Services labelled for another proxy instance ({@code com.df.proxyInstanceName} other than this controller's
 *     {@code --instance-name}) are someone else's: not routed, not reported, only counted. The push API filters the
 *     same way, before it stores anything.
 * </ul>
 *
 * <p>A pass costs what changed, not what exists: the builder keeps what each source item (a service, a GitOps route, a
 * push registration) yielded, finds the services that changed by identity (see {@link SwarmState#reusing}), and
 * redoes only the route names and services they touch. Its output is still a function of its inputs alone: a pass on
 * the same inputs yields the same snapshot, and an incremental pass the same as a fresh builder's (a test checks this
 * on random histories).
 */
public final class DesiredStateBuilder {

    private static final String GITOPS = "gitops";
    private static final String SWARM = "swarm";
    private static final String PUSH = "push";
    /** The instance of services without {@code com.df.proxyInstanceName}, as in Docker Flow. */
    public static final String DEFAULT_INSTANCE = "docker-flow";
    /** The conditions of a route with nothing to report but its acceptance (most routes, shared). */
    private static final List<Condition> ACCEPTED = List.of(Condition.accepted());
    /** Below this many label sets to translate, a parallel stream costs more than it saves. */
    private static final int PARALLEL_TRANSLATIONS = 64;

    /**
     * A service's labels and what they yielded, kept while the labels stay the same.
     *
     * @param otherInstance opted in, but for another proxy instance ({@code com.df.proxyInstanceName}): not ours
     */
    private record Labelled(Map<String, String> labels, Outcome outcome, boolean otherInstance) {
    }

    private final LabelTranslator translator;
    private final String notifyKey;
    private final String instanceName;
    /** Opted-in services that name another instance; kept up to date as services come, change and go. */
    private int otherInstances;
    private final ServiceEndpoints serviceEndpoints;
    private final Cache<Map<String, String>, LabelTranslation> pushTranslations = Caffeine.newBuilder().maximumSize(50_000).build();

    // What the sources said last pass, and what each of their items yielded.
    private List<ServiceState> services = List.of();
    private Map<String, String> networkNames = Map.of();
    private final Map<String, ServiceState> servicesByName = new HashMap<>();
    private final Map<String, Labelled> labelled = new HashMap<>();
    private GitOpsSource.State gitops = GitOpsSource.State.EMPTY;
    private List<Outcome> gitopsOutcomes = List.of();
    private Map<String, Map<String, String>> push = Map.of();
    private List<Outcome> pushOutcomes = List.of();

    // Derived: candidates by route name (in precedence order), the winners, the services they name, the statuses.
    private final Map<String, List<Candidate>> candidates = new HashMap<>();
    private final Map<String, Candidate> winners = new HashMap<>();
    private final Map<String, TreeSet<String>> routesByService = new HashMap<>();
    private final Map<String, ServiceEndpoints.Entry> endpoints = new HashMap<>();
    private final Map<String, RouteStatus> statuses = new HashMap<>();
    private List<RouteStatus> statusList = List.of();
    private boolean statusesChanged;
    private final SnapshotContent content = new SnapshotContent();

    // What this pass must redo.
    private final Set<String> dirtyNames = new HashSet<>();
    private final Set<String> dirtyServices = new HashSet<>();
    private final Set<String> dirtyStatuses = new HashSet<>();

    public DesiredStateBuilder(LabelTranslator translator, Optional<String> network) {
        this(translator, network, DEFAULT_INSTANCE);
    }

    /**
     * @param instanceName the services routed from labels are those whose {@code com.df.proxyInstanceName} is this
     *     (compared case-insensitively, as Docker Flow did); services without the label belong to
     *     {@value #DEFAULT_INSTANCE}
     */
    public DesiredStateBuilder(LabelTranslator translator, Optional<String> network, String instanceName) {
        this.translator = translator;
        this.instanceName = instanceName;
        this.notifyKey = translator.notifyKey();
        this.serviceEndpoints = new ServiceEndpoints(network);
    }

    public DesiredState build(SwarmState swarm, GitOpsSource.State gitopsState,
                              Map<String, Map<String, String>> pushState) {
        return build(swarm, gitopsState, pushState, List.of());
    }

    public DesiredState build(SwarmState swarm, GitOpsSource.State gitopsState,
                              Map<String, Map<String, String>> pushState, List<TlsCertificate> certificates) {
        return build(swarm, gitopsState, pushState, certificates, List.of());
    }

    /**
     * @param certificates the certificates replicas are to serve (none when they may not receive keys)
     * @param challenges the ACME challenges replicas are to answer
     */
    public synchronized DesiredState build(SwarmState swarm, GitOpsSource.State gitopsState,
                                           Map<String, Map<String, String>> pushState,
                                           List<TlsCertificate> certificates, List<AcmeChallenge> challenges) {
        content.certificates(certificates);
        content.challenges(challenges);
        readGitOps(gitopsState);
        readSwarm(swarm);
        readPush(pushState);
        resolveNames();
        resolveEndpoints();
        resolveStatuses();
        if (statusesChanged) {
            statusList = List.copyOf(statuses.values());
            statusesChanged = false;
        }
        dirtyNames.clear();
        dirtyServices.clear();
        dirtyStatuses.clear();
        return new DesiredState(content.snapshot(), statusList, otherInstances);
    }

    /** Walks the old and new service lists (both sorted by name) together; an unchanged service costs one comparison. */
    private void readSwarm(SwarmState swarm) {
        List<ServiceState> before = services;
        List<ServiceState> after = swarm.services();
        if (!swarm.networkNames().equals(networkNames)) {
            networkNames = swarm.networkNames();
            dirtyServices.addAll(routesByService.keySet());
        }
        List<SwarmService> relabelled = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < before.size() || j < after.size()) {
            ServiceState old = i < before.size() ? before.get(i) : null;
            ServiceState now = j < after.size() ? after.get(j) : null;
            if (old == now) {
                i++;
                j++;
                continue;
            }
            int order = old == null ? 1 : now == null ? -1 : old.name().compareTo(now.name());
            if (order < 0) {
                servicesByName.remove(old.name());
                dirtyServices.add(old.name());
                Labelled gone = labelled.remove(old.name());
                if (gone != null) {
                    withdraw(gone.outcome());
                    otherInstances -= gone.otherInstance() ? 1 : 0;
                }
                i++;
                continue;
            }
            if (order > 0 || !old.equals(now)) {
                servicesByName.put(now.name(), now);
                dirtyServices.add(now.name());
                Labelled known = labelled.get(now.name());
                if (known == null || !known.labels().equals(now.service().labels())) {
                    relabelled.add(now.service());
                }
            }
            i += order > 0 ? 0 : 1;
            j++;
        }
        services = after;
        (relabelled.size() < PARALLEL_TRANSLATIONS ? relabelled.stream() : relabelled.parallelStream())
                .map(this::labelledOf).toList()
                .forEach(l -> {
                    Labelled old = labelled.put(l.name(), l.labelled());
                    if (old != null) {
                        withdraw(old.outcome());
                        otherInstances -= old.otherInstance() ? 1 : 0;
                    }
                    otherInstances += l.labelled().otherInstance() ? 1 : 0;
                    submit(l.labelled().outcome());
                });
    }

    private record Named(String name, Labelled labelled) {
    }

    /**
     * What a service's labels yield. A service opted in for another proxy instance is someone else's: no route, no
     * status, only counted.
     */
    private Named labelledOf(SwarmService s) {
        if (!s.labels().containsKey(notifyKey)) {
            return new Named(s.name(), new Labelled(s.labels(), Outcome.NONE, false));
        }
        if (!ours(DockerFlowLabels.proxyInstanceName(s.labels()))) {
            return new Named(s.name(), new Labelled(s.labels(), Outcome.NONE, translator.optedIn(s.labels())));
        }
        Outcome outcome = Outcome.of(translator.translateLabels(s.name(), s.labels()), SWARM, "service " + s.name(), 1, 0);
        return new Named(s.name(), new Labelled(s.labels(), outcome, false));
    }

    /** Whether a service that names {@code instance} (none: {@value #DEFAULT_INSTANCE}) is this controller's. */
    private boolean ours(Optional<String> instance) {
        return instance.orElse(DEFAULT_INSTANCE).equalsIgnoreCase(instanceName);
    }

    /** GitOps routes are few and come as a whole: when they change, all of them are withdrawn and submitted again. */
    private void readGitOps(GitOpsSource.State state) {
        if (state == gitops || state.routes().equals(gitops.routes())) {
            gitops = state;
            return;
        }
        gitopsOutcomes.forEach(this::withdraw);
        List<Outcome> outcomes = new ArrayList<>();
        int index = 0;
        for (LoadedRoute loaded : state.routes()) {
            Candidate c = new Candidate(loaded.route(), GITOPS, loaded.location(), 0, index++, List.of());
            outcomes.add(new Outcome(c.key(), c, null));
        }
        outcomes.forEach(this::submit);
        gitops = state;
        gitopsOutcomes = outcomes;
    }

    private void readPush(Map<String, Map<String, String>> state) {
        if (state.equals(push)) {
            return;
        }
        pushOutcomes.forEach(this::withdraw);
        List<Outcome> outcomes = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> e : state.entrySet()) {
            LabelTranslation t = pushTranslations.get(e.getValue(), translator::translateParameters);
            outcomes.add(Outcome.of(t, PUSH, "push " + e.getKey(), 2, 0));
        }
        outcomes.forEach(this::submit);
        push = Map.copyOf(state);
        pushOutcomes = outcomes;
    }

    private void submit(Outcome outcome) {
        if (outcome.refusal() != null) {
            putStatus(outcome.key(), outcome.refusal());
        } else if (outcome.candidate() != null) {
            Candidate c = outcome.candidate();
            List<Candidate> named = candidates.computeIfAbsent(c.name(), k -> new ArrayList<>(1));
            int at = 0;
            while (at < named.size() && Candidate.PRECEDENCE.compare(named.get(at), c) < 0) {
                at++;
            }
            named.add(at, c);
            dirtyNames.add(c.name());
        }
    }

    private void withdraw(Outcome outcome) {
        if (outcome.key() != null && statuses.remove(outcome.key()) != null) {
            statusesChanged = true;
        }
        Candidate c = outcome.candidate();
        if (c != null) {
            List<Candidate> named = candidates.get(c.name());
            named.remove(c);
            if (named.isEmpty()) {
                candidates.remove(c.name());
            }
            dirtyNames.add(c.name());
        }
    }

    /** Each route name that gained or lost a candidate gets its winner again, and the services named follow. */
    private void resolveNames() {
        for (String name : dirtyNames) {
            List<Candidate> named = candidates.getOrDefault(name, List.of());
            Candidate winner = named.isEmpty() ? null : named.get(0);
            Candidate before = winner == null ? winners.remove(name) : winners.put(name, winner);
            if (winner == null) {
                content.removeRoute(name);
            } else {
                content.putRoute(winner.route());
            }
            if (before != null && before.service() != null) {
                TreeSet<String> routes = routesByService.get(before.service());
                routes.remove(name);
                if (routes.isEmpty()) {
                    routesByService.remove(before.service());
                }
                dirtyServices.add(before.service());
            }
            if (winner != null && winner.service() != null) {
                routesByService.computeIfAbsent(winner.service(), k -> new TreeSet<>()).add(name);
                dirtyServices.add(winner.service());
            }
            dirtyStatuses.add(name);
        }
    }

    /**
     * The endpoints of each service that changed or is named by a different set of routes. A service named by routes
     * with different endpoint modes takes the mode of the first route by name.
     */
    private void resolveEndpoints() {
        for (String service : dirtyServices) {
            TreeSet<String> routes = routesByService.get(service);
            ServiceEndpoints.Entry before = endpoints.get(service);
            if (routes == null) {
                if (before != null) {
                    endpoints.remove(service);
                    content.removeEndpoints(service);
                }
                continue;
            }
            EndpointMode mode = winners.get(routes.first()).route().spec().endpointMode();
            ServiceEndpoints.Entry entry = serviceEndpoints.resolve(service, servicesByName.get(service), mode,
                    networkNames, before);
            if (entry != before) {
                endpoints.put(service, entry);
                content.putEndpoints(entry.endpoints());
                if (before == null || !before.conditions().equals(entry.conditions())) {
                    dirtyStatuses.addAll(routes);
                }
            }
        }
    }

    /** The statuses of every candidate of each route name whose winner, rivals or endpoints changed. */
    private void resolveStatuses() {
        for (String name : dirtyStatuses) {
            List<Candidate> named = candidates.getOrDefault(name, List.of());
            if (named.isEmpty()) {
                continue; // its statuses left with its candidates
            }
            Candidate winner = named.get(0);
            List<Condition> endpointConditions = winner.service() == null ? List.of()
                    : endpoints.get(winner.service()).conditions();
            List<Condition> conditions = ACCEPTED;
            if (named.size() > 1 || !winner.warnings().isEmpty() || !endpointConditions.isEmpty()) {
                conditions = new ArrayList<>(ACCEPTED);
                conditions.addAll(winner.warnings());
                for (Candidate loser : named.subList(1, named.size())) {
                    conditions.add(new Condition("Conflict", "takes precedence over the route of the same name from "
                            + loser.source() + " (" + loser.origin() + ")"));
                    putStatus(loser.key(), new RouteStatus(name, loser.source(),
                            loser.origin(), false, List.of(new Condition("Conflict", "also defined by "
                            + winner.source() + " (" + winner.origin() + "), which takes precedence"))));
                }
                conditions.addAll(endpointConditions);
            }
            putStatus(winner.key(), new RouteStatus(name, winner.source(), winner.origin(), true, conditions));
        }
    }

    private void putStatus(String key, RouteStatus status) {
        RouteStatus old = statuses.put(key, status);
        statusesChanged |= !status.equals(old); // a relabelled route usually has the same status: no new list
    }
}
