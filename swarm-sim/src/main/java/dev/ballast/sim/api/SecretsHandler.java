package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.SecretRecord;
import io.netty.channel.ChannelHandlerContext;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /secrets}: list, create, inspect, update (labels only), remove. A secret's data goes in with the create
 * request and never comes out: no answer carries it, and it is never written to a log.
 */
final class SecretsHandler implements ResourceHandler {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> FILTERS = Set.of("names", "name", "id", "label");

    private final Cluster cluster;

    SecretsHandler(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        if (r.is("GET", 1)) {
            Filters f = Filters.parse(r.param("filters"), FILTERS);
            Responses.json(ctx, 200, cluster.read(c -> {
                ArrayNode out = JSON.arrayNode();
                c.secrets().stream().filter(s -> matches(f, s)).forEach(s -> out.add(EngineJson.secret(s)));
                return out;
            }));
            return true;
        }
        if (r.is("POST", 2) && r.segment(1).equals("create")) {
            ObjectNode spec = r.jsonBody();
            JsonNode templating = present(spec, "Templating");
            if (templating != null && r.apiMinor() < 37) {
                throw new ApiException(400, "secret templating is not supported on the specified API version: 1."
                        + r.apiMinor());
            }
            byte[] data = data(spec);
            SecretRecord created = cluster.createSecret(spec.path("Name").asString(""), labels(spec),
                    data == null ? new byte[0] : data, present(spec, "Driver"), templating);
            Responses.json(ctx, 201, JSON.objectNode().put("ID", created.id));
            return true;
        }
        if (r.is("GET", 2)) {
            Responses.json(ctx, 200, cluster.read(c -> EngineJson.secret(c.secret(r.segment(1)))));
            return true;
        }
        if (r.is("POST", 3) && r.segment(2).equals("update")) {
            ObjectNode spec = r.jsonBody();
            cluster.updateSecret(r.segment(1), version(r.param("version")), spec.path("Name").asString(""),
                    labels(spec), data(spec));
            Responses.raw(ctx, 200, null, "");
            return true;
        }
        if (r.is("DELETE", 2)) {
            cluster.removeSecret(r.segment(1));
            Responses.raw(ctx, 204, null, "");
            return true;
        }
        return false;
    }

    /**
     * The engine's list filters: {@code names} (whole names), {@code name} and {@code id} (prefixes) select a secret if
     * any of them matches it; {@code label} must match as well. Names compare in lower case, as swarmkit indexes them.
     */
    private static boolean matches(Filters f, SecretRecord s) {
        String name = s.name.toLowerCase(Locale.ROOT);
        boolean selected = !f.has("names") && !f.has("name") && !f.has("id")
                || f.get("names").stream().anyMatch(n -> n.toLowerCase(Locale.ROOT).equals(name))
                || f.get("name").stream().anyMatch(n -> name.startsWith(n.toLowerCase(Locale.ROOT)))
                || f.get("id").stream().anyMatch(s.id::startsWith);
        return selected && f.labels("label", s.labels);
    }

    private static Map<String, String> labels(ObjectNode spec) {
        Map<String, String> labels = new LinkedHashMap<>();
        spec.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString("")));
        return labels;
    }

    /** The spec's {@code Data}, base64-decoded as Go decodes a {@code []byte}; null when absent. */
    private static byte[] data(ObjectNode spec) {
        JsonNode data = present(spec, "Data");
        if (data == null) {
            return null;
        }
        if (!data.isString()) {
            String type = data.getNodeType().name().toLowerCase(Locale.ROOT);
            throw new ApiException(400, "invalid JSON: cannot unmarshal " + type
                    + " into Go struct field SecretSpec.Data of type []uint8");
        }
        try {
            return Base64.getDecoder().decode(data.asString());
        } catch (IllegalArgumentException e) {
            // Never the value itself in the message: it is the secret.
            throw new ApiException(400, "invalid JSON: illegal base64 data in SecretSpec.Data");
        }
    }

    /** A field that is there and not null, as Go sees a pointer or slice field. */
    private static JsonNode present(ObjectNode spec, String field) {
        JsonNode value = spec.get(field);
        return value == null || value.isNull() ? null : value;
    }

    private static long version(String raw) {
        try {
            return Long.parseUnsignedLong(raw == null ? "" : raw);
        } catch (NumberFormatException e) {
            throw new ApiException(400, "invalid secret version");
        }
    }
}
