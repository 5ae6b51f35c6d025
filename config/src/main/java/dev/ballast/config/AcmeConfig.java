package dev.ballast.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How the controller obtains certificates over ACME.
 *
 * @param email the account's contact
 * @param directory the CA's directory URL
 * @param storage where the account key, the certificates and the order state are kept (files 0600)
 * @param caFile extra trust for the directory's HTTPS (a test CA's root)
 * @param retryBase the first wait after a failed order; it doubles per failure, to a day at most
 */
public record AcmeConfig(String email, URI directory, Path storage, Optional<Path> caFile, Duration retryBase) {

    /** Let's Encrypt's production directory. */
    public static final String LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";
    /** Let's Encrypt's staging directory: untrusted certificates, generous rate limits, for trying things out. */
    public static final String LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
}
