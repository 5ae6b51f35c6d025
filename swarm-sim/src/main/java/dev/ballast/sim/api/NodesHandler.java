package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.NodeRecord;
import io.netty.channel.ChannelHandlerContext;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** {@code /nodes}: list and inspect. The emulated nodes are fixed, so there is nothing to change. */
final class NodesHandler implements ResourceHandler {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> FILTERS = Set.of("id", "label", "membership", "name", "node.label", "role");

    private final Cluster cluster;

    NodesHandler(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        if (r.is("GET", 1)) {
            Responses.json(ctx, 200, list(r));
            return true;
        }
        if (r.is("GET", 2)) {
            Responses.json(ctx, 200, cluster.read(c -> EngineJson.node(c.node(r.segment(1)))));
            return true;
        }
        return false;
    }

    private ArrayNode list(ApiRequest r) {
        Filters f = Filters.parse(r.param("filters"), FILTERS);
        return cluster.read(c -> {
            ArrayNode out = JSON.arrayNode();
            for (NodeRecord n : c.nodes()) {
                // Every emulated node is an accepted member, and nodes carry no engine labels, only node labels.
                if (f.prefix("id", n.id) && f.prefix("name", n.hostname) && f.exact("role", n.role)
                        && f.exact("membership", "accepted") && f.labels("node.label", n.labels)
                        && f.labels("label", Map.of())) {
                    out.add(EngineJson.node(n));
                }
            }
            return out;
        });
    }
}
