package dev.ballast.sim.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Docker secrets as swarmkit's control API keeps them: created, relabelled and removed under the engine's rules, and
 * the references service specs make to them checked before a service is created or updated. Every refusal carries
 * the engine's words (the gRPC status as the daemon passes it on), because the CLI prints them as they come. Called
 * by {@link Cluster} with the store's lock held.
 */
final class Secrets {

    /** swarmkit's {@code MaxSecretSize}: 500 KiB, exclusive. */
    static final int MAX_SIZE = 500 * 1024;
    /** Secret and config names: wider than service names (dots allowed), at most 64 characters. */
    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$");

    private final ClusterStore store;

    Secrets(ClusterStore store) {
        this.store = store;
    }

    /** {@code POST /secrets/create}; {@code driver} null unless the secret comes from a secrets driver. */
    SecretRecord create(String name, Map<String, String> labels, byte[] data, JsonNode driver, JsonNode templating) {
        if (name.isEmpty()) {
            throw invalid("name must be provided");
        }
        if (name.length() > 64 || !NAME.matcher(name).matches()) {
            throw invalid("invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character "
                    + "must be [a-zA-Z0-9]");
        }
        if (driver != null) {
            // The data then comes from the driver's store, so none is needed here.
            if (driver.path("Name").asString("").isEmpty()) {
                throw invalid("secret driver must have a name");
            }
        } else if (data.length < 1 || data.length >= MAX_SIZE) {
            throw invalid("secret data must be larger than 0 and less than " + MAX_SIZE + " bytes");
        }
        // swarmkit indexes names in lower case: "Token" and "token" cannot both exist.
        if (store.secrets().stream().anyMatch(s -> s.name.equalsIgnoreCase(name))) {
            throw new ClusterException(ClusterException.Kind.CONFLICT,
                    "rpc error: code = AlreadyExists desc = secret " + name + " already exists");
        }
        SecretRecord secret = new SecretRecord(store.ids().swarmId(), name, labels, data, driver, templating,
                store.now(), store.nextVersion());
        store.add(secret);
        store.emit("secret", "create", secret.id, Map.of("name", name));
        return secret;
    }

    /**
     * {@code POST /secrets/{id}/update?version=N}: only the labels may change. {@code data} is null when the client
     * sent none, which leaves the data as it is; data that differs is refused, as a rename is.
     */
    void update(String ref, long version, String name, Map<String, String> labels, byte[] data) {
        SecretRecord secret = store.secret(ref);
        if (!secret.name.equals(name) || data != null && !secret.sameData(data)) {
            throw invalid("only updates to Labels are allowed");
        }
        if (version != secret.version) {
            throw new ClusterException(ClusterException.Kind.INTERNAL,
                    "rpc error: code = Unknown desc = update out of sequence");
        }
        secret.labels = SecretRecord.copy(labels);
        secret.updatedAt = store.now();
        secret.version = store.nextVersion();
        store.emit("secret", "update", secret.id, Map.of("name", secret.name));
    }

    /** {@code DELETE /secrets/{id}}: refused while a service refers to the secret. */
    void remove(String ref) {
        SecretRecord secret = store.secret(ref);
        List<String> users = store.services().stream()
                .filter(s -> references(s.spec).stream().anyMatch(r -> r.path("SecretID").asString("")
                        .equals(secret.id)))
                .map(ServiceRecord::name).toList();
        if (!users.isEmpty()) {
            // The engine answers 400 (gRPC InvalidArgument), not 409: the CLI shows the message either way.
            throw invalid("secret '" + secret.name + "' is in use by the following service"
                    + (users.size() == 1 ? "" : "s") + ": " + String.join(", ", users));
        }
        store.remove(secret);
        store.emit("secret", "remove", secret.id, Map.of("name", secret.name));
    }

    /**
     * The {@code TaskTemplate.ContainerSpec.Secrets} of a normalised service spec: each names an existing secret by
     * ID and by its current name, and has a file target of its own. The CLI resolves names to IDs before it sends a
     * spec; a reference that does not hold is refused as swarmkit refuses it.
     */
    void checkReferences(JsonNode spec) {
        Map<String, String> targets = new HashMap<>();
        List<JsonNode> refs = references(spec);
        for (JsonNode ref : refs) {
            String secretName = ref.path("SecretName").asString("");
            if (ref.path("SecretID").asString("").isEmpty() || secretName.isEmpty()) {
                throw invalid("malformed secret reference");
            }
            if (!ref.path("File").isObject()) {
                throw invalid("malformed secret reference, no target provided");
            }
            String file = ref.path("File").path("Name").asString("");
            if (file.isEmpty()) {
                throw invalid("malformed file secret reference, invalid target file name provided");
            }
            String previous = targets.putIfAbsent(file, secretName);
            if (previous != null) {
                throw invalid("secret references '" + previous + "' and '" + secretName
                        + "' have a conflicting target: '" + file + "'");
            }
        }
        List<String> missing = new ArrayList<>();
        for (JsonNode ref : refs) {
            SecretRecord secret = store.secretById(ref.path("SecretID").asString());
            String secretName = ref.path("SecretName").asString();
            if (secret == null || !secret.name.equals(secretName)) {
                missing.add(secretName);
            }
        }
        if (!missing.isEmpty()) {
            throw invalid((missing.size() == 1 ? "secret" : "secrets") + " not found: " + String.join(", ", missing));
        }
    }

    private static List<JsonNode> references(JsonNode spec) {
        List<JsonNode> out = new ArrayList<>();
        spec.path("TaskTemplate").path("ContainerSpec").path("Secrets").forEach(out::add);
        return out;
    }

    private static ClusterException invalid(String description) {
        return new ClusterException(ClusterException.Kind.INVALID,
                "rpc error: code = InvalidArgument desc = " + description);
    }
}
