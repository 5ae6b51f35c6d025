package dev.ballast.certificates;

/** What a status page says of a certificate. */
public enum CertificateCondition {
    /** Served, and not expiring within {@link CertificateReport#EXPIRING_WITHIN}. */
    Valid,
    /** Served, but its not-after is near: renew it. */
    Expiring,
    /** Past its not-after; still served (clients will warn), as HAProxy does, rather than dropping the host. */
    Expired,
    /** Not served: the reason says why. */
    Invalid
}
