package dev.ballast.schema;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Content-hash versions of snapshots: the first 16 hex digits of SHA-256 over the canonical JSON. */
public final class SnapshotVersions {

    private SnapshotVersions() {
    }

    /** The version of a snapshot's content; its own {@code version} field is not part of the hash. */
    public static String versionOf(Snapshot snapshot) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("routes", snapshot.routes());
        content.put("endpoints", snapshot.endpoints());
        return hash(RouteJson.writeBytes(content));
    }

    static String hash(byte[] canonical) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** For tests and tools: the hash of arbitrary text. */
    static String hash(String text) {
        return hash(text.getBytes(StandardCharsets.UTF_8));
    }
}
