package dev.ballast.dataplane.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The TLS of connections to the endpoints of H2 routes (HTTP/2 over TLS): ALPN {@code h2} only, TLS 1.2 and 1.3,
 * certificates that chain to {@code --backend-ca-file} (else to the JDK's trusted CAs). The host name is not
 * verified, as HAProxy's {@code verify required} without {@code verifyhost} does not: endpoints are task addresses,
 * which certificates rarely name.
 */
public final class BackendTls {

    private BackendTls() {
    }

    /** @throws IllegalArgumentException naming {@code caFile} when it holds no certificate that can be read */
    public static SslContext context(Optional<Path> caFile) {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols(TlsContexts.PROTOCOLS)
                    .trustManager(caFile.map(Path::toFile).orElse(null))
                    .endpointIdentificationAlgorithm(null)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2))
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--backend-ca-file " + caFile.map(Path::toString).orElse("(unset)")
                    + ": " + e.getMessage(), e);
        }
    }
}
