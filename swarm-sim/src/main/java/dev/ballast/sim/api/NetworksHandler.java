package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.ClusterStore;
import dev.ballast.sim.model.NetworkRecord;
import io.netty.channel.ChannelHandlerContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** {@code /networks}: list, create, inspect, remove. */
final class NetworksHandler implements ResourceHandler {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> FILTERS = Set.of("driver", "id", "label", "name", "scope", "type", "dangling");

    private final Cluster cluster;

    NetworksHandler(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        if (r.is("GET", 1)) {
            Filters f = Filters.parse(r.param("filters"), FILTERS);
            Responses.json(ctx, 200, cluster.read(c -> list(f, c)));
            return true;
        }
        if (r.is("POST", 2) && r.segment(1).equals("create")) {
            ObjectNode body = r.jsonBody();
            Map<String, String> labels = new LinkedHashMap<>();
            body.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString("")));
            NetworkRecord created = cluster.createNetwork(body.path("Name").asString(""),
                    body.path("Driver").asString("overlay"), body.path("Attachable").asBoolean(false),
                    body.path("Internal").asBoolean(false), labels);
            Responses.json(ctx, 201, JSON.objectNode().put("Id", created.id).put("Warning", ""));
            return true;
        }
        if (r.is("GET", 2)) {
            Responses.json(ctx, 200, cluster.read(c -> EngineJson.network(c.network(r.segment(1)), c)));
            return true;
        }
        if (r.is("DELETE", 2)) {
            cluster.removeNetwork(r.segment(1));
            Responses.raw(ctx, 204, null, "");
            return true;
        }
        return false;
    }

    private static ArrayNode list(Filters f, ClusterStore c) {
        ArrayNode out = JSON.arrayNode();
        for (NetworkRecord n : c.networks()) {
            // The built-in networks are those made when the swarm was; "dangling" means custom and unused.
            boolean builtin = n.ingress || n.createdAt.equals(c.createdAt());
            boolean used = c.services().stream().anyMatch(s -> s.spec.path("TaskTemplate").path("Networks")
                    .findValuesAsString("Target").contains(n.id));
            if (f.exact("driver", n.driver) && f.prefix("id", n.id) && f.labels("label", n.labels)
                    && (!f.has("name") || f.get("name").stream().anyMatch(n.name::contains))
                    && f.exact("scope", n.scope) && f.exact("type", builtin ? "builtin" : "custom")
                    && (!f.has("dangling") || Boolean.parseBoolean(f.get("dangling").get(0)) == (!used && !builtin))) {
                out.add(EngineJson.network(n, c));
            }
        }
        return out;
    }
}
