package dev.ballast.schema;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Content-hash versions of snapshots.
 *
 * <p>Each item (a route, a service's endpoints, a certificate, an ACME challenge) has a digest: the first 128 bits of
 * SHA-256 over {@code "r <name> <sha256 of its canonical JSON>"} (or {@code "e <service> …"}, {@code "c <name> …"},
 * {@code "a <token> …"}). The version is the first 16 hex digits of SHA-256 over the sum of all item digests modulo 2<sup>128</sup>. It depends on the content only, so every
 * controller computes the same version for the same state; and because the sum does not depend on order and can be
 * updated item by item ({@link Accumulator}), a one-service change costs one item, not ten thousand.
 */
public final class SnapshotVersions {

    /** The canonical hash of one route or endpoints item, uncached. */
    public static final Function<Object, String> UNCACHED = SnapshotVersions::itemHash;

    private SnapshotVersions() {
    }

    /** The version of routes and endpoints, hashing each item with {@code itemHash} (which may cache). */
    public static String versionOf(List<Route> routes, List<Endpoints> endpoints, Function<Object, String> itemHash) {
        return versionOf(routes, endpoints, List.of(), itemHash);
    }

    /** The version of routes, endpoints and certificates, hashing each item with {@code itemHash}. */
    public static String versionOf(List<Route> routes, List<Endpoints> endpoints, List<TlsCertificate> certificates,
                                   Function<Object, String> itemHash) {
        return sum(items(routes, endpoints, certificates).map(item -> digest(item, itemHash.apply(item))));
    }

    private static Stream<Object> items(List<Route> routes, List<Endpoints> endpoints,
                                        List<TlsCertificate> certificates) {
        return items(routes, endpoints, certificates, List.of());
    }

    private static Stream<Object> items(List<Route> routes, List<Endpoints> endpoints,
                                        List<TlsCertificate> certificates, List<AcmeChallenge> challenges) {
        return Stream.of(routes.stream(), endpoints.stream(), certificates.stream(), challenges.stream())
                .flatMap(s -> s);
    }

    /**
     * The version a snapshot's content should have (its own {@code version} field is not part of the hash). The items
     * are hashed in parallel: a replica checks every snapshot it receives or loads, and at start, with a thousand
     * routes, that check is on the way to being ready.
     */
    public static String versionOf(Snapshot snapshot) {
        return sum(items(snapshot.routes(), snapshot.endpoints(), snapshot.certificates(), snapshot.challenges())
                .parallel()
                .map(item -> digest(item, itemHash(item))));
    }

    private static String sum(Stream<Digest> digests) {
        Accumulator sum = new Accumulator();
        digests.toList().forEach(sum::add); // the sum is order-free; adding stays on one thread
        return sum.version();
    }

    /** SHA-256 of an item's canonical JSON, in hex. */
    public static String itemHash(Object item) {
        return HexFormat.of().formatHex(sha256().digest(RouteJson.writeBytes(item)));
    }

    /** An item's 128-bit digest, given its canonical hash. */
    public static Digest digest(Object item, String itemHash) {
        String line = item instanceof Route r ? "r " + r.name() + " " + itemHash
                : item instanceof TlsCertificate c ? "c " + c.name() + " " + itemHash
                : item instanceof AcmeChallenge a ? "a " + a.token() + " " + itemHash
                : "e " + ((Endpoints) item).service() + " " + itemHash;
        ByteBuffer bytes = ByteBuffer.wrap(sha256().digest(line.getBytes(StandardCharsets.UTF_8)));
        return new Digest(bytes.getLong(), bytes.getLong());
    }

    /** 128 bits of an item digest. */
    public record Digest(long high, long low) {
    }

    /** A running sum of item digests modulo 2<sup>128</sup>; add and remove items in any order. Not thread-safe. */
    public static final class Accumulator {
        private long high;
        private long low;

        public void add(Digest d) {
            long sum = low + d.low();
            high += d.high() + (Long.compareUnsigned(sum, low) < 0 ? 1 : 0);
            low = sum;
        }

        public void remove(Digest d) {
            long difference = low - d.low();
            high -= d.high() + (Long.compareUnsigned(low, d.low()) < 0 ? 1 : 0);
            low = difference;
        }

        public String version() {
            ByteBuffer bytes = ByteBuffer.allocate(16).putLong(high).putLong(low);
            return HexFormat.of().formatHex(sha256().digest(bytes.array()), 0, 8);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
