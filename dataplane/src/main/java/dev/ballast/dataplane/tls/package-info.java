/**
 * TLS termination on the HTTPS listeners. A connection's pipeline starts with the handlers of
 * {@link dev.ballast.dataplane.tls.TlsTermination}: {@link dev.ballast.dataplane.tls.PlainHttpRefusal} (plain HTTP
 * on the TLS port gets a 400 that says so), Netty's {@code SniHandler} (the certificate for the ClientHello's server
 * name from the {@link dev.ballast.dataplane.tls.CertificateTable} in force, then the {@code SslHandler}), and
 * {@link dev.ballast.dataplane.tls.HandshakeObserver} (metrics, span, close on failure); then the HTTP handlers of
 * {@code dev.ballast.dataplane.proxy} follow as on a plain listener, knowing only that the connection is secure.
 * {@link dev.ballast.dataplane.tls.CertificateWatcher} keeps the table current from {@code --certs}, {@code cert-*}
 * secrets and the snapshot; {@link dev.ballast.dataplane.tls.TlsContexts} says how contexts are made.
 */
package dev.ballast.dataplane.tls;
