package dev.ballast.schema;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * Content-hash versions of snapshots.
 *
 * <p>The version is the first 16 hex digits of SHA-256 over one line per item, routes sorted by name then endpoints
 * sorted by service: {@code r <name> <sha256 of the route's canonical JSON>} and {@code e <service> <sha256 …>}. It is
 * a pure function of the canonical content, so every controller computes the same version for the same state; and
 * because items are hashed one by one, a caller that keeps the hashes of unchanged (immutable) items recomputes only
 * what changed, which keeps a one-service change cheap with ten thousand routes.
 */
public final class SnapshotVersions {

    /** The canonical hash of one route or endpoints item; callers may cache it per (immutable) item. */
    public static final Function<Object, String> UNCACHED = SnapshotVersions::itemHash;

    private SnapshotVersions() {
    }

    /** The version of sorted routes and endpoints. */
    public static String versionOf(List<Route> routes, List<Endpoints> endpoints, Function<Object, String> itemHash) {
        MessageDigest digest = sha256();
        for (Route route : routes) {
            digest.update(("r " + route.name() + " " + itemHash.apply(route) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        for (Endpoints e : endpoints) {
            digest.update(("e " + e.service() + " " + itemHash.apply(e) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(digest.digest(), 0, 8);
    }

    /** The version a snapshot's content should have (its own {@code version} field is not part of the hash). */
    public static String versionOf(Snapshot snapshot) {
        return versionOf(snapshot.routes(), snapshot.endpoints(), UNCACHED);
    }

    /** SHA-256 of an item's canonical JSON, in hex. */
    public static String itemHash(Object item) {
        return HexFormat.of().formatHex(sha256().digest(RouteJson.writeBytes(item)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
