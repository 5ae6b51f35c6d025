package dev.ballast.dataplane.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ballast.schema.Rule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * HTTP basic authentication against a rule's users: clear-text passwords compared in constant time, SHA-512 crypt
 * hashes verified with {@link Sha512Crypt}. Verifying a hash costs thousands of SHA-512 rounds, so successful
 * verifications are remembered for a while, keyed by user, hash and a SHA-256 of the password (never the password
 * itself). Thread-safe.
 */
public final class BasicAuth {

    private final Cache<String, Boolean> verified = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(10)).build();

    /** The {@code WWW-Authenticate} value for a realm. */
    public static String challenge(String realm) {
        return "Basic realm=\"" + realm + "\", charset=\"UTF-8\"";
    }

    /** Whether the {@code Authorization} header (or {@code null}) names one of {@code users} with its password. */
    public boolean allows(List<Rule.User> users, String authorization) {
        if (authorization == null || authorization.length() < 6
                || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String name = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        for (Rule.User user : users) {
            if (user.name().equals(name) && matches(user, password)) {
                return true;
            }
        }
        return false;
    }

    private boolean matches(Rule.User user, String password) {
        if (user.lacksPassword()) {
            return false; // never resolved: nobody passes as this user
        }
        if (user.password() != null) {
            return MessageDigest.isEqual(user.password().getBytes(StandardCharsets.UTF_8),
                    password.getBytes(StandardCharsets.UTF_8));
        }
        String key = user.name() + '\0' + user.passwordHash() + '\0' + sha256(password);
        if (verified.getIfPresent(key) != null) {
            return true;
        }
        boolean ok = Sha512Crypt.matches(password, user.passwordHash());
        if (ok) {
            verified.put(key, Boolean.TRUE); // only successes: a wrong guess costs the guesser the full price
        }
        return ok;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
