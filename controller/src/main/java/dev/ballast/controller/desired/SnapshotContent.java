package dev.ballast.controller.desired;

import dev.ballast.schema.AcmeChallenge;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotVersions;
import dev.ballast.schema.TlsCertificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The routes, endpoints, certificates and challenges the builder publishes, kept from pass to pass with their version, so that a pass costs what
 * it changed. Each item's digest is remembered by identity (an unchanged item is the same instance), and the version
 * is their running sum (see {@link SnapshotVersions}): replacing one item out of ten thousand hashes one item. Not
 * thread-safe; the builder is its only user.
 */
final class SnapshotContent {

    private final TreeMap<String, Route> routes = new TreeMap<>();
    private final TreeMap<String, Endpoints> endpoints = new TreeMap<>();
    private final TreeMap<String, TlsCertificate> certificates = new TreeMap<>();
    private final TreeMap<String, AcmeChallenge> challenges = new TreeMap<>();
    private final Map<Object, SnapshotVersions.Digest> digests = new IdentityHashMap<>();
    /** Items added since the last {@link #snapshot()}, hashed together (in parallel) when it is taken. */
    private final Set<Object> unhashed = Collections.newSetFromMap(new IdentityHashMap<>());
    private final SnapshotVersions.Accumulator version = new SnapshotVersions.Accumulator();
    private Snapshot last = Snapshot.empty();
    private boolean changed = true;

    void putRoute(Route route) {
        replaced(routes.put(route.name(), route), route);
    }

    void removeRoute(String name) {
        replaced(routes.remove(name), null);
    }

    void putEndpoints(Endpoints item) {
        replaced(endpoints.put(item.service(), item), item);
    }

    void removeEndpoints(String service) {
        replaced(endpoints.remove(service), null);
    }

    /** The certificates distributed from now on: those not among them leave, a changed one is replaced. */
    void certificates(List<TlsCertificate> now) {
        replaceAll(certificates, now, TlsCertificate::name);
    }

    /** The ACME challenges answered from now on, likewise. */
    void challenges(List<AcmeChallenge> now) {
        replaceAll(challenges, now, AcmeChallenge::token);
    }

    private <T> void replaceAll(Map<String, T> kept, List<T> now, Function<T, String> key) {
        Set<String> keys = new HashSet<>();
        for (T item : now) {
            keys.add(key.apply(item));
            if (!item.equals(kept.get(key.apply(item)))) {
                replaced(kept.put(key.apply(item), item), item);
            }
        }
        for (String name : List.copyOf(kept.keySet())) {
            if (!keys.contains(name)) {
                replaced(kept.remove(name), null);
            }
        }
    }

    private void replaced(Object old, Object item) {
        if (old == item) {
            return;
        }
        changed = true;
        if (old != null && !unhashed.remove(old)) {
            version.remove(digests.remove(old));
        }
        if (item != null) {
            unhashed.add(item);
        }
    }

    /** The snapshot of the content as it is now; the same instance as last time when nothing changed. */
    Snapshot snapshot() {
        if (!changed) {
            return last;
        }
        List<Object> items = new ArrayList<>(unhashed);
        unhashed.clear();
        items.parallelStream().map(item -> Map.entry(item, SnapshotVersions.digest(item, SnapshotVersions.itemHash(item))))
                .toList()
                .forEach(e -> {
                    digests.put(e.getKey(), e.getValue());
                    version.add(e.getValue());
                });
        // already in name order: the snapshot keeps these copies as they are
        last = new Snapshot(version.version(), List.copyOf(routes.values()), List.copyOf(endpoints.values()),
                List.copyOf(certificates.values()), List.copyOf(challenges.values()));
        changed = false;
        return last;
    }
}
