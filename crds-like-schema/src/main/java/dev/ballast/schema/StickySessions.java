package dev.ballast.schema;

/**
 * Cookie-based affinity of a client to one endpoint.
 *
 * @param cookieName the cookie's name; absent or empty, {@link #DEFAULT_COOKIE} (an empty name names no cookie, and
 *     JSON leaves empty strings out, so it would read back as the default anyway and change the snapshot's hash)
 */
public record StickySessions(boolean enabled, String cookieName) {

    public static final String DEFAULT_COOKIE = "BALLAST_STICKY";

    public StickySessions {
        cookieName = cookieName == null || cookieName.isEmpty() ? DEFAULT_COOKIE : cookieName;
    }
}
