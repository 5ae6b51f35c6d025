package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ballast.config.Durations;
import java.time.Duration;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.module.SimpleModule;

/**
 * The one JSON mapping of the Route API, used for files, snapshots and the wire.
 *
 * <p>Its output is canonical: properties in declaration order, map entries sorted by key, empty collections and
 * absent values left out, durations in {@link Durations#format canonical form}. Snapshot versions hash this output,
 * so changing it changes every version (harmless: replicas just take the new snapshot once).
 */
public final class RouteJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .addModule(new SimpleModule("ballast-durations")
                    .addSerializer(Duration.class, new DurationSerializer())
                    .addDeserializer(Duration.class, new DurationDeserializer()))
            .changeDefaultPropertyInclusion(inclusion -> inclusion
                    .withValueInclusion(JsonInclude.Include.NON_EMPTY)
                    .withContentInclusion(JsonInclude.Include.NON_NULL))
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Absent booleans (denyHttp, defaultBackend) mean false, as the schema's defaults say.
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private RouteJson() {
    }

    /** The mapper, for callers that stream snapshots. Do not reconfigure it. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    public static byte[] writeBytes(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    public static JsonNode toTree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** What {@link #redacted} puts where a password, a password hash or a certificate's PEM (with its key) was. */
    public static final String REDACTED = "<redacted>";

    /**
     * {@code value} as a JSON tree for people to read (the config and status endpoints): every {@code password},
     * {@code passwordHash} and {@code pem} (a certificate's, key included), at any depth, replaced by {@link #REDACTED}. The value itself is untouched, so a
     * snapshot's version and what replicas pull stay as they are.
     */
    public static JsonNode redacted(Object value) {
        JsonNode tree = MAPPER.valueToTree(value);
        redact(tree);
        return tree;
    }

    /** {@link #redacted} as bytes. */
    public static byte[] writeRedactedBytes(Object value) {
        return MAPPER.writeValueAsBytes(redacted(value));
    }

    private static void redact(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (String secret : new String[] {"password", "passwordHash", "pem"}) {
                if (object.has(secret)) {
                    object.put(secret, REDACTED);
                }
            }
        }
        if (node.isContainer()) {
            node.forEach(RouteJson::redact);
        }
    }

    /** Binds a tree that has passed schema validation. */
    public static Route routeFromTree(JsonNode tree) {
        return MAPPER.treeToValue(tree, Route.class);
    }

    /** @throws tools.jackson.core.JacksonException also for a JSON {@code null}, which is no value of {@code type} */
    public static <T> T read(String json, Class<T> type) {
        return notNull(MAPPER.readValue(json, type), type);
    }

    /** @throws tools.jackson.core.JacksonException also for a JSON {@code null}, which is no value of {@code type} */
    public static <T> T read(byte[] json, Class<T> type) {
        return notNull(MAPPER.readValue(json, type), type);
    }

    private static <T> T notNull(T value, Class<T> type) {
        if (value == null) {
            throw MismatchedInputException.from(null, type, "null is not a " + type.getSimpleName());
        }
        return value;
    }

    private static final class DurationSerializer extends ValueSerializer<Duration> {
        @Override
        public void serialize(Duration value, JsonGenerator gen, SerializationContext ctxt) {
            gen.writeString(Durations.format(value));
        }
    }

    private static final class DurationDeserializer extends ValueDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) {
            return Durations.parse(p.getValueAsString());
        }
    }
}
