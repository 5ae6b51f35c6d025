package dev.ballast.sim.model;

import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a service spec as a client sent it into the engine's view of it, the one {@code docker service inspect} shows
 * and the orchestrator compares: explicit nulls dropped, defaults filled in, network names resolved to IDs, the
 * deprecated top-level Networks honoured only for API versions before 1.44. Clients differ in what they leave out,
 * and comparing raw specs would see changes where the engine sees none.
 */
final class SpecNormalizer {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern SERVICE_NAME = Pattern.compile("^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$");

    private final ClusterStore store;

    SpecNormalizer(ClusterStore store) {
        this.store = store;
    }

    /** The name must serve as a DNS label, since tasks and VIPs are found by it. */
    static void checkName(String name) {
        if (!SERVICE_NAME.matcher(name).matches() || name.length() > 63) {
            throw new ClusterException(ClusterException.Kind.INVALID,
                    "rpc error: code = InvalidArgument desc = name must be valid as a DNS name component");
        }
    }

    /** {@code apiMinor} is the request's API version (44 for 1.44). The raw spec is left as it was. */
    ObjectNode normalize(ObjectNode raw, int apiMinor) {
        ObjectNode spec = (ObjectNode) withoutNulls(raw);
        ObjectNode mode = object(spec, "Mode");
        mode.remove("mode"); // docker-java sends a bogus lower-case key the engine ignores
        if (!mode.has("Replicated") && !mode.has("Global") && !mode.has("ReplicatedJob") && !mode.has("GlobalJob")) {
            mode.putObject("Replicated");
        }
        if (mode.has("Replicated") && !mode.get("Replicated").has("Replicas")) {
            ((ObjectNode) mode.get("Replicated")).put("Replicas", 1);
        }
        ObjectNode template = object(spec, "TaskTemplate");
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
            template.set("Networks", resolveNetworks(template.get("Networks")));
        }
        ObjectNode endpoint = object(spec, "EndpointSpec");
        if (!endpoint.has("Mode")) {
            endpoint.put("Mode", "vip");
        }
        if (!spec.has("Labels")) {
            spec.putObject("Labels");
        }
        return spec;
    }

    /** The object under {@code key}, created empty when absent or not an object. */
    private static ObjectNode object(ObjectNode parent, String key) {
        return parent.has(key) && parent.get(key).isObject() ? (ObjectNode) parent.get(key) : parent.putObject(key);
    }

    private ArrayNode resolveNetworks(JsonNode attachments) {
        ArrayNode resolved = JSON.arrayNode();
        for (JsonNode attachment : attachments) {
            ObjectNode a = ((ObjectNode) attachment).deepCopy();
            String target = a.path("Target").asString("");
            NetworkRecord network = store.findNetwork(target);
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
        return resolved;
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
}
