package dev.ballast.certificates;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A certificate as status pages show it: never the key.
 *
 * @param name the certificate's name (file name without extension, secret name, or the name it was pushed under)
 * @param source where it came from: a file path, {@code secret NAME}, {@code pushed}, {@code controller}
 * @param hosts the host names it serves (subjectAltNames), empty when invalid
 * @param issuer the issuer's distinguished name, null when invalid
 * @param notAfter when it expires, null when invalid
 * @param condition Valid, Expiring, Expired or Invalid
 * @param reason why it is Invalid (or what is wrong with a served one); null when nothing is
 */
public record CertificateReport(String name, String source, List<String> hosts, String issuer, Instant notAfter,
                                CertificateCondition condition, String reason) {

    /** How close to its not-after a certificate is called {@link CertificateCondition#Expiring}. */
    public static final Duration EXPIRING_WITHIN = Duration.ofDays(14);

    public CertificateReport {
        hosts = List.copyOf(hosts);
    }

    /** A file or push that could not be read as a certificate. */
    public static CertificateReport invalid(String name, String source, String reason) {
        return new CertificateReport(name, source, List.of(), null, null, CertificateCondition.Invalid, reason);
    }

    /** The condition of a certificate valid until {@code notAfter}, at {@code now}. */
    static CertificateCondition conditionOf(Instant notAfter, Instant now) {
        if (now.isAfter(notAfter)) {
            return CertificateCondition.Expired;
        }
        return now.plus(EXPIRING_WITHIN).isAfter(notAfter) ? CertificateCondition.Expiring
                : CertificateCondition.Valid;
    }
}
