package dev.ballast.controller.acme;

import dev.ballast.config.AcmeConfig;
import dev.ballast.schema.AcmeChallenge;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * One certificate order, the ACME way (RFC 8555): an order for the hosts, an HTTP-01 challenge per authorization
 * posted to every replica through the {@link ChallengeBoard}, validation asked for only once they all answer it, then
 * a fresh key, the CSR, and the chain. Blocking: it runs on the ACME thread, never on the reconcile loop.
 */
final class AcmeOrders {

    /** How long replicas may take to apply a snapshot with the challenges (they long-poll: usually milliseconds). */
    static final Duration APPLY_TIMEOUT = Duration.ofSeconds(30);
    /** How long the CA may take to validate, then to issue. */
    static final Duration CA_TIMEOUT = Duration.ofSeconds(90);

    private final AcmeConfig config;
    private final AcmeStorage storage;
    private final ChallengeBoard board;
    private Login login;

    AcmeOrders(AcmeConfig config, AcmeStorage storage, ChallengeBoard board) {
        this.config = config;
        this.storage = storage;
        this.board = board;
    }

    /** A certificate obtained: chain (leaf first) and key, as one PEM, and the leaf's validity. */
    record Issued(String pem, Instant notBefore, Instant notAfter, String issuer) {
    }

    /**
     * Why an order failed, in the CA's words where it said something.
     *
     * @param retryAfter when the CA said to come back (rate limits), if it did
     */
    static final class Failure extends Exception {
        private final transient Optional<Instant> retryAfter;

        Failure(String message, Optional<Instant> retryAfter, Throwable cause) {
            super(message, cause);
            this.retryAfter = retryAfter;
        }

        Optional<Instant> retryAfter() {
            return retryAfter;
        }
    }

    Issued order(List<String> hosts) throws Failure, InterruptedException {
        try {
            Order order = login().newOrder().domains(hosts).create();
            List<AcmeChallenge> posted = new ArrayList<>();
            List<Challenge> triggered = new ArrayList<>();
            for (Authorization authorization : order.getAuthorizations()) {
                if (authorization.getStatus() == Status.VALID) {
                    continue; // the CA remembers a recent validation of this host
                }
                Http01Challenge challenge = authorization.findChallenge(Http01Challenge.class).orElseThrow(() ->
                        new Failure(authorization.getIdentifier().getDomain() + ": the CA offers no http-01"
                                + " challenge", Optional.empty(), null));
                posted.add(new AcmeChallenge(challenge.getToken(), challenge.getAuthorization()));
                triggered.add(challenge);
            }
            board.post(posted);
            try {
                Optional<String> missing = board.awaitApplied(posted, APPLY_TIMEOUT);
                if (missing.isPresent()) {
                    throw new Failure("not validated: " + missing.get() + " within " + APPLY_TIMEOUT.toSeconds()
                            + " s", Optional.empty(), null);
                }
                for (Challenge challenge : triggered) {
                    challenge.trigger();
                }
                for (Challenge challenge : triggered) {
                    if (challenge.waitForCompletion(CA_TIMEOUT) != Status.VALID) {
                        throw new Failure("validation failed: " + challenge.getError().map(AcmeOrders::describe)
                                .orElse("the challenge is " + challenge.getStatus()), Optional.empty(), null);
                    }
                }
            } finally {
                board.withdraw(posted);
            }
            KeyPair key = AcmeStorage.newKey();
            order.execute(key);
            if (order.waitForCompletion(CA_TIMEOUT) != Status.VALID) {
                throw new Failure("the order is " + order.getStatus() + order.getError().map(p -> ": " + describe(p))
                        .orElse(""), Optional.empty(), null);
            }
            org.shredzone.acme4j.Certificate certificate = order.getCertificate();
            StringWriter pem = new StringWriter();
            certificate.writeCertificate(pem);
            X509Certificate leaf = certificate.getCertificate();
            return new Issued(pem + AcmeStorage.pem("PRIVATE KEY", key.getPrivate().getEncoded()),
                    leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(),
                    leaf.getIssuerX500Principal().getName());
        } catch (AcmeRateLimitedException e) {
            throw new Failure("rate limited: " + describe(e.getProblem()), e.getRetryAfter(), e);
        } catch (AcmeServerException e) {
            login = null; // an account problem, say, is worth a fresh login next time
            throw new Failure(describe(e.getProblem()), Optional.empty(), e);
        } catch (AcmeException e) {
            login = null;
            throw new Failure(e.getMessage(), Optional.empty(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CA's problem as one line: its detail, and its type when that says more (rateLimited, unauthorized…). */
    private static String describe(Problem problem) {
        String type = problem.getType().toString();
        String shortType = type.substring(type.lastIndexOf(':') + 1);
        return problem.getDetail().orElse(problem.getTitle().orElse(type)) + " (" + shortType + ")";
    }

    private Login login() throws AcmeException {
        if (login == null) {
            Session session = new Session(config.directory(), new Provider(trust(config.caFile())));
            login = new AccountBuilder().addEmail(config.email()).agreeToTermsOfService()
                    .useKeyPair(storage.accountKey()).createLogin(session);
        }
        return login;
    }

    /**
     * The system's trust, plus the certificates of {@code --acme-ca-file}: a test CA (Pebble's) beside the public ones.
     */
    private static Optional<SSLContext> trust(Optional<Path> caFile) {
        if (caFile.isEmpty()) {
            return Optional.empty();
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            int n = 0;
            for (var manager : system.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate issuer : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("system-" + n++, issuer);
                    }
                }
            }
            try (InputStream in = Files.newInputStream(caFile.get())) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("acme-ca-" + n++, c);
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return Optional.of(context);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("--acme-ca-file " + caFile.get() + ": " + e.getMessage(), e);
        }
    }

    /** acme4j's generic provider, with the HTTP client trusting {@code --acme-ca-file} too. */
    private static final class Provider extends GenericAcmeProvider {
        private final Optional<SSLContext> trust;

        Provider(Optional<SSLContext> trust) {
            this.trust = trust;
        }

        @Override
        public HttpClient createHttpClient(NetworkSettings settings) {
            if (trust.isEmpty()) {
                return super.createHttpClient(settings);
            }
            return HttpClient.newBuilder().sslContext(trust.get()).connectTimeout(settings.getTimeout())
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
        }
    }
}
