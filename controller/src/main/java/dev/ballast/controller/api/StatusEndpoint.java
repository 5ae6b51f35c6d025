package dev.ballast.controller.api;

import dev.ballast.controller.replicas.ListenerCoverage;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.schema.Snapshot;
import io.netty.channel.ChannelHandlerContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code GET /v1/status}: sources, routes with their conditions, replicas against the desired version. */
final class StatusEndpoint extends Endpoint {

    private final ControllerStatus controller;
    private final SnapshotStore store;
    private final ReplicaRegistry replicas;

    StatusEndpoint(ControllerStatus controller, SnapshotStore store, ReplicaRegistry replicas) {
        super(Set.of("/v1/status"));
        this.controller = controller;
        this.store = store;
        this.replicas = replicas;
    }

    @Override
    void handle(ChannelHandlerContext ctx, ApiRequest request) {
        Responses.redactedJson(ctx, 200, status()); // no route shows a password, now or as status grows
    }

    private Map<String, Object> status() {
        Snapshot current = store.current(); // read once: the version and the replicas' states must agree
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("desiredVersion", current.version());
        out.put("published", store.hasPublished());
        out.put("ready", controller.synced());
        out.put("instanceName", controller.instanceName());
        // Opted-in services labelled for another instance: not routes, not errors, only counted.
        out.put("otherInstanceServices", controller.desired().otherInstanceServices());
        out.put("sources", controller.sources());
        out.put("gitopsProblems", controller.gitOpsProblemLines());
        out.put("routes", AcmeConditions.routes(controller));
        out.put("certificates", controller.certificates());
        out.put("acme", controller.acme());
        if (!controller.distributesCertificates() && !controller.certificates().isEmpty()) {
            out.put("certificatesNotDistributed", "certificates are not distributed: the controller has no"
                    + " --token-file, and keys never travel to replicas unauthenticated");
        }
        List<ReplicaRegistry.ReplicaView> views = replicas.evaluate(current.version(), controller.desiredSince());
        out.put("replicas", views);
        // Routes the replicas in sight cannot serve on a port (no listener there): not an error of the route.
        out.put("listenerConditions", ListenerCoverage.of(current.routes(), views));
        out.put("parkedPulls", store.parkedPulls());
        return out;
    }
}
