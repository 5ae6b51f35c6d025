package dev.ballast.dataplane.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsyncMapping;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.util.function.Function;
import javax.net.ssl.SSLHandshakeException;

/**
 * What a TLS listener puts in front of the HTTP handlers of each connection: {@link PlainHttpRefusal}, Netty's
 * {@code SniHandler} (reads the ClientHello's server name, picks the certificate from the table in force, and becomes
 * the {@code SslHandler}), then {@link HandshakeObserver}. With no certificate at all, handshakes are refused (the
 * listener stays open: a certificate may arrive any moment, and the plain listeners serve meanwhile).
 */
public final class TlsTermination {

    /** A ClientHello larger than this is refused (they are some 0.5 KiB; post-quantum key shares make them 2 KiB). */
    public static final int MAX_CLIENT_HELLO = 16 * 1024;

    private final CertificateWatcher certificates;
    private final TlsMetrics metrics;
    private final long handshakeTimeoutMillis;
    private final Function<String, Span> handshakeSpan;
    private final AsyncMapping<String, SslContext> selector;

    /**
     * @param handshakeTimeout how long a client may take to complete the handshake
     * @param handshakeSpan starts the span of a handshake with a client (its address given)
     */
    public TlsTermination(CertificateWatcher certificates, TlsMetrics metrics, Duration handshakeTimeout,
                          Function<String, Span> handshakeSpan) {
        this.certificates = certificates;
        this.metrics = metrics;
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
        this.handshakeSpan = handshakeSpan;
        this.selector = (serverName, promise) -> {
            SslContext context = certificates.table().select(serverName);
            return context != null ? promise.setSuccess(context) : promise.setFailure(new SSLHandshakeException(
                    "no certificate to serve" + (serverName == null ? "" : " for " + serverName)));
        };
    }

    /**
     * Adds the TLS handlers to a connection, before its HTTP handlers.
     *
     * @param clientAddress the client's address, as the handshake's span shows it (a trusted proxy's PROXY protocol
     *     header may have said it)
     */
    public void install(Channel ch, String clientAddress) {
        ch.pipeline().addLast(new PlainHttpRefusal(metrics),
                new SniHandler(selector, MAX_CLIENT_HELLO, handshakeTimeoutMillis),
                new HandshakeObserver(metrics, handshakeSpan.apply(clientAddress)));
    }

    /** How long a client may take to send its ClientHello and complete the handshake. */
    public long handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    public CertificateWatcher certificates() {
        return certificates;
    }
}
