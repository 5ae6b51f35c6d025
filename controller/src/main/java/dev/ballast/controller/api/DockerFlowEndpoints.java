package dev.ballast.controller.api;

import static dev.ballast.controller.api.Responses.json;

import dev.ballast.controller.push.PushSource;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.schema.Route;
import dev.ballast.schema.Snapshot;
import dev.ballast.controller.desired.DesiredStateBuilder;
import dev.ballast.schema.labels.DockerFlowLabels;
import dev.ballast.schema.labels.LabelTranslation;
import dev.ballast.schema.labels.LabelTranslator;
import io.netty.channel.ChannelHandlerContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The endpoints a Docker Flow Proxy / Swarm Listener setup calls: reconfigure and remove (the push API), the config,
 * the listener's get-services. Built from the push registry, the translator, a rebuild trigger and the list of
 * opted-in services, so it does not call back into the controller.
 *
 * <p>Reconfigure and remove filter by proxy instance as Docker Flow Proxy did with
 * {@code FILTER_PROXY_INSTANCE_NAME=true}, except that the filter is always on and a service without
 * {@code proxyInstanceName} belongs to {@code docker-flow}: a request for another instance changes nothing here and
 * is answered 200 (the swarm listener counts it done), its message saying why.
 */
final class DockerFlowEndpoints extends Endpoint {

    private static final String CONFIG = "/v1/docker-flow-proxy/config";
    private static final String RECONFIGURE = "/v1/docker-flow-proxy/reconfigure";
    private static final String REMOVE = "/v1/docker-flow-proxy/remove";
    private static final String SERVICES = "/v1/docker-flow-swarm-listener/get-services";
    private static final String PROXY_PING = "/v1/docker-flow-proxy/ping";
    private static final String LISTENER_PING = "/v1/docker-flow-swarm-listener/ping";

    private final PushSource push;
    private final LabelTranslator translator;
    private final Runnable rebuild;
    private final Supplier<List<Map<String, String>>> services;
    private final SnapshotStore store;
    private final Supplier<String> instanceName;

    /** @param instanceName the proxy instance this controller routes for ({@code --instance-name}) */
    DockerFlowEndpoints(PushSource push, LabelTranslator translator, Runnable rebuild,
                        Supplier<List<Map<String, String>>> services, SnapshotStore store,
                        Supplier<String> instanceName) {
        super(Set.of(CONFIG, RECONFIGURE, REMOVE, SERVICES, PROXY_PING, LISTENER_PING));
        this.push = push;
        this.translator = translator;
        this.rebuild = rebuild;
        this.services = services;
        this.store = store;
        this.instanceName = instanceName;
    }

    @Override
    void handle(ChannelHandlerContext ctx, ApiRequest request) {
        switch (request.path()) {
            case CONFIG -> Responses.redactedJson(ctx, 200, config()); // the snapshot pull carries the passwords
            case RECONFIGURE -> reconfigure(ctx, request.params());
            case REMOVE -> remove(ctx, request.params());
            case SERVICES -> json(ctx, 200, services.get());
            default -> json(ctx, 200, Map.of("Status", "OK")); // the pings
        }
    }

    /**
     * The desired routes by name, with the version and endpoints ({@code /v1/docker-flow-proxy/config}); shown with
     * the passwords redacted, the snapshot itself untouched.
     */
    private Map<String, Object> config() {
        Snapshot current = store.current(); // read once: a publish meanwhile must not mix two versions
        Map<String, Route> routes = new LinkedHashMap<>();
        current.routes().forEach(r -> routes.put(r.name(), r));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", current.version());
        out.put("routes", routes);
        out.put("endpoints", current.endpoints());
        return out;
    }

    /** Docker Flow's reconfigure: 200 OK, 400 for a bad request, 409 when there is nothing to route on. */
    private void reconfigure(ChannelHandlerContext ctx, Map<String, String> params) {
        String service = params.getOrDefault("serviceName", "").trim();
        if (service.isEmpty()) {
            json(ctx, 400, dockerFlow("NOK", "serviceName parameter is mandatory.", ""));
            return;
        }
        Optional<String> instance = DockerFlowLabels.proxyInstanceName(params, "");
        if (!instance.orElse(DesiredStateBuilder.DEFAULT_INSTANCE).equalsIgnoreCase(instanceName.get())) {
            // The service now belongs to another instance: if it was pushed here before, it leaves.
            if (push.remove(service)) {
                rebuild.run();
            }
            json(ctx, 200, dockerFlow("OK", otherInstance(instance), service));
            return;
        }
        if ("0".equals(params.get("replicas"))) {
            push.remove(service); // Docker Flow removes services scaled to 0
            rebuild.run();
            json(ctx, 200, dockerFlow("OK", "", service));
            return;
        }
        LabelTranslation result = translator.translateParameters(params);
        if (result instanceof LabelTranslation.Invalid invalid) {
            boolean nothingToRouteOn = invalid.errors().stream().anyMatch(p -> p.field().startsWith("servicePath"));
            String message = String.join("; ", invalid.errors().stream().map(p -> p.format()).toList());
            json(ctx, nothingToRouteOn ? 409 : 400, dockerFlow("NOK", message, service));
            return;
        }
        push.put(service, params);
        rebuild.run();
        json(ctx, 200, dockerFlow("OK", "", service));
    }

    private void remove(ChannelHandlerContext ctx, Map<String, String> params) {
        String service = params.getOrDefault("serviceName", "").trim();
        if (service.isEmpty()) {
            json(ctx, 400, dockerFlow("NOK", "serviceName parameter is mandatory.", ""));
            return;
        }
        Optional<String> instance = DockerFlowLabels.proxyInstanceName(params, "");
        if (instance.isPresent() && !instance.get().equalsIgnoreCase(instanceName.get())) {
            json(ctx, 200, dockerFlow("OK", otherInstance(instance), service));
            return;
        }
        push.remove(service);
        rebuild.run();
        json(ctx, 200, dockerFlow("OK", "", service));
    }

    private String otherInstance(Optional<String> instance) {
        return "ignored: proxyInstanceName is " + instance.map(i -> "\"" + i + "\"").orElse("not set (docker-flow)")
                + ", and this controller routes for \"" + instanceName.get() + "\" (--instance-name)";
    }

    private static Map<String, String> dockerFlow(String status, String message, String service) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("Status", status);
        out.put("Message", message);
        out.put("ServiceName", service);
        return out;
    }
}
