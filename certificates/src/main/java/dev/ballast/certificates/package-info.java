/**
 * TLS certificates as operators hand them over: PEM text (a chain and its private key, Docker Flow Proxy's format, or a
 * {@code NAME.crt} + {@code NAME.key} pair) read into a {@link dev.ballast.certificates.ServedCertificate}, checked
 * (the key matches the first certificate, the chain is in order) and described for status pages
 * ({@link dev.ballast.certificates.CertificateReport}: hosts, issuer, not-after, condition) without ever showing the key.
 * {@link dev.ballast.certificates.CertificateFiles} reads a directory of them and Docker's {@code cert-*} secrets; a bad
 * file is reported and skipped, never fatal. Plain JDK, no Netty: the controller and the dataplane both use it.
 */
package dev.ballast.certificates;
