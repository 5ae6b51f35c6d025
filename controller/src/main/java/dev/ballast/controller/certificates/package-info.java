/**
 * The certificates the controller distributes to replicas: a {@code --certs} directory, and those pushed through
 * Docker Flow Proxy's certificate API (kept in {@code --state-dir}). See
 * {@link dev.ballast.controller.certificates.CertificateStore}.
 */
package dev.ballast.controller.certificates;
