package dev.ballast.sim.api;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One request as the resource handlers see it: the version prefix taken off and the path split into segments, so
 * that {@code /v1.44/services/web} and {@code /services/web} are the same request at different API versions.
 *
 * @param segments the path's segments after the leading slash, empty ones kept ({@code /services/} has two)
 * @param apiMinor the API version the client asked for, or the newest when it gave none (44 for 1.44)
 * @param versioned whether the client named a version; a few answers differ for unversioned requests
 */
record ApiRequest(HttpMethod method, String path, List<String> segments, Map<String, List<String>> params,
                  ByteBuf body, int apiMinor, boolean versioned) {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    static ApiRequest of(HttpMethod method, String path, Map<String, List<String>> params, ByteBuf body,
                         int apiMinor, boolean versioned) {
        return new ApiRequest(method, path, List.of(path.substring(1).split("/", -1)), params, body, apiMinor,
                versioned);
    }

    /** Whether this is a {@code method} request for a path of {@code depth} segments. */
    boolean is(String method, int depth) {
        return method().name().equals(method) && segments.size() == depth;
    }

    int depth() {
        return segments.size();
    }

    String segment(int i) {
        return segments.get(i);
    }

    /** The first value of a query parameter, or null. */
    String param(String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** A boolean query parameter the engine's way: {@code 1} or {@code true}, any case. */
    boolean flag(String name) {
        String value = param(name);
        return value != null && (value.equals("1") || value.equalsIgnoreCase("true"));
    }

    /** The body as a JSON object; anything else is the client's error, worded as the engine words it. */
    ObjectNode jsonBody() {
        String text = body.toString(StandardCharsets.UTF_8);
        if (text.isBlank()) {
            throw new ApiException(400, "invalid JSON: got EOF while reading request body");
        }
        try {
            JsonNode tree = MAPPER.readTree(text);
            if (!tree.isObject()) {
                throw new ApiException(400, "invalid JSON: expected an object");
            }
            return (ObjectNode) tree;
        } catch (JacksonException e) {
            throw new ApiException(400, "invalid JSON: " + e.getOriginalMessage());
        }
    }
}
