package dev.ballast.dataplane.tls;

import dev.ballast.certificates.ServedCertificate;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * How the replica's TLS server contexts are made: the engine (BoringSSL through netty-tcnative when it loads, else the
 * JDK's), TLS 1.2 and 1.3 only, Mozilla's "intermediate" ciphers, ALPN, session resumption (a session cache and
 * tickets, per certificate).
 */
public final class TlsContexts {

    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /**
     * Mozilla's "intermediate" configuration: the three TLS 1.3 suites, and for TLS 1.2 ECDHE with AES-GCM or
     * ChaCha20-Poly1305. Its DHE suites are left out: BoringSSL has none, and every client that could use them has
     * ECDHE.
     */
    static final List<String> CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    /** Sessions a context remembers for resumption, and for how long (seconds): nginx's and HAProxy's order. */
    /** Offered in this order: HTTP/2 where the client speaks it. */
    static final List<String> ALPN = List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
    static final int SESSION_CACHE_SIZE = 20_000;
    static final int SESSION_TIMEOUT_SECONDS = 300;

    private final SslProvider provider;
    private final List<String> applicationProtocols;
    /**
     * The keys of session tickets (TLS 1.3 resumes with tickets only; Netty turns BoringSSL's off until keys are
     * set). Random per process and shared by every context, so a ticket outlives a certificate reload; a client that
     * another replica issued a ticket to makes a full handshake here.
     */
    private final OpenSslSessionTicketKey ticketKey;

    private TlsContexts(SslProvider provider, List<String> applicationProtocols) {
        this.provider = provider;
        this.applicationProtocols = List.copyOf(applicationProtocols);
        SecureRandom random = new SecureRandom();
        this.ticketKey = new OpenSslSessionTicketKey(bytes(random, OpenSslSessionTicketKey.NAME_SIZE),
                bytes(random, OpenSslSessionTicketKey.HMAC_KEY_SIZE), bytes(random, OpenSslSessionTicketKey.AES_KEY_SIZE));
    }

    private static byte[] bytes(SecureRandom random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    /** BoringSSL when netty-tcnative loads on this machine, else the JDK's engine; ALPN offers HTTP/2 and 1.1. */
    public static TlsContexts detect() {
        return new TlsContexts(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK, ALPN);
    }

    /** The JDK's engine, whatever is available (to compare the two, and as the fallback's test). */
    public static TlsContexts jdk() {
        return new TlsContexts(SslProvider.JDK, ALPN);
    }

    /** Which engine runs, and why not BoringSSL when it does not: for the log at start. */
    public String describe() {
        if (provider == SslProvider.OPENSSL) {
            return "OpenSSL provider (" + OpenSsl.versionString() + ")";
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        return "JDK provider" + (cause == null ? "" : " (OpenSSL unavailable: " + cause.getMessage() + ")");
    }

    /** A server context serving {@code certificate}. */
    public SslContext server(ServedCertificate certificate) throws SSLException {
        SslContext context = SslContextBuilder.forServer(certificate.key(), certificate.chain().toArray(X509Certificate[]::new))
                .sslProvider(provider)
                .protocols(PROTOCOLS)
                .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, applicationProtocols))
                .sessionCacheSize(SESSION_CACHE_SIZE)
                .sessionTimeout(SESSION_TIMEOUT_SECONDS)
                .build();
        if (context.sessionContext() instanceof OpenSslServerSessionContext sessions) {
            sessions.setTicketKeys(ticketKey);
            // Tickets decrypt in every context (one key), so a session must say which certificate it was made
            // with: without its own id context, a session made for one server name resumes under another.
            if (!sessions.setSessionIdContext(sessionIdContext(certificate))) {
                throw new SSLException("cannot set the session id context of certificate " + certificate.name());
            }
        }
        return context;
    }

    /** The SHA-256 of the leaf certificate: 32 bytes, the most a session id context holds. */
    private static byte[] sessionIdContext(ServedCertificate certificate) throws SSLException {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate.chain().get(0).getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new SSLException("cannot identify certificate " + certificate.name(), e);
        }
    }
}
