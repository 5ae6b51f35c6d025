package dev.ballast.schema;

/** Cookie-based affinity of a client to one endpoint. */
public record StickySessions(boolean enabled, String cookieName) {

    public static final String DEFAULT_COOKIE = "BALLAST_STICKY";

    public StickySessions {
        cookieName = cookieName == null ? DEFAULT_COOKIE : cookieName;
    }
}
