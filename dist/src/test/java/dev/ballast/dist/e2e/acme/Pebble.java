package dev.ballast.dist.e2e.acme;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Pebble, Let's Encrypt's ACME test server ({@code /usr/bin/pebble}, Debian package {@code pebble}), run as a child
 * process for end-to-end ACME tests: a real CA protocol implementation, with real HTTP-01 / TLS-ALPN-01 validation
 * against our dataplane, instead of a mock that agrees with whatever our client does.
 *
 * <p>{@link #start} makes what the Debian package does not ship — a CA and an HTTPS certificate for Pebble with an
 * IP SAN for 127.0.0.1 (clients check it for {@code https://127.0.0.1:PORT/dir}) — writes a config with free ports,
 * starts a {@link LoopbackDns} so every challenge host resolves to 127.0.0.1, and waits until the directory answers.
 * The environment is made deterministic: no validation sleeps, no nonce rejection and no authorization reuse unless
 * the {@link Options} ask for them. Pebble's output goes to {@code pebble.log} in the directory; tests read it to see
 * what Pebble did ({@code Added order}, {@code Issued certificate serial}).
 *
 * <p>Tests do not skip when Pebble is missing: CI installs it ({@code .ci/run}), and {@link #start} fails saying so.
 */
public final class Pebble implements AutoCloseable {

    /** The binary the Debian package installs. */
    public static final Path BINARY = Path.of("/usr/bin/pebble");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    /**
     * How Pebble is run.
     *
     * @param httpPort where Pebble validates HTTP-01 challenges (the dataplane's plain listener); 0 = any free port
     * @param tlsPort where Pebble validates TLS-ALPN-01 challenges (the dataplane's TLS listener); 0 = any free port
     * @param certificateValidity how long issued certificates are valid (set it short to exercise renewal)
     * @param alwaysValid {@code PEBBLE_VA_ALWAYS_VALID}: skip validation (keep it off in real tests)
     * @param nonceRejectPercent {@code PEBBLE_WFE_NONCEREJECT}: share of good nonces rejected (real CAs do it too)
     * @param authzReuse {@code PEBBLE_AUTHZREUSE}: share of orders reusing a valid authorization instead of validating
     */
    public record Options(int httpPort, int tlsPort, Duration certificateValidity, boolean alwaysValid,
                          int nonceRejectPercent, int authzReuse) {

        public Options {
            checkPort(httpPort);
            checkPort(tlsPort);
            if (certificateValidity.toSeconds() < 1) {
                throw new IllegalArgumentException("certificateValidity must be at least 1 s: " + certificateValidity);
            }
            checkPercent(nonceRejectPercent);
            checkPercent(authzReuse);
        }

        /** Free ports, Pebble's default 5-year validity, real validation, no nonce rejection, no authz reuse. */
        public static Options defaults() {
            return new Options(0, 0, Duration.ofSeconds(157_766_400), false, 0, 0);
        }

        public Options withHttpPort(int port) {
            return new Options(port, tlsPort, certificateValidity, alwaysValid, nonceRejectPercent, authzReuse);
        }

        public Options withTlsPort(int port) {
            return new Options(httpPort, port, certificateValidity, alwaysValid, nonceRejectPercent, authzReuse);
        }

        public Options withCertificateValidity(Duration validity) {
            return new Options(httpPort, tlsPort, validity, alwaysValid, nonceRejectPercent, authzReuse);
        }

        public Options withAlwaysValid(boolean always) {
            return new Options(httpPort, tlsPort, certificateValidity, always, nonceRejectPercent, authzReuse);
        }

        public Options withNonceRejectPercent(int percent) {
            return new Options(httpPort, tlsPort, certificateValidity, alwaysValid, percent, authzReuse);
        }

        public Options withAuthzReuse(int percent) {
            return new Options(httpPort, tlsPort, certificateValidity, alwaysValid, nonceRejectPercent, percent);
        }

        private static void checkPort(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("not a port: " + port);
            }
        }

        private static void checkPercent(int percent) {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("not a percentage: " + percent);
            }
        }
    }

    private final Process process;
    private final Path dir;
    private final Options options;
    private final int port;
    private final int managementPort;
    private final LoopbackDns dns;
    private final SSLContext sslContext;
    private final HttpClient http;
    private final Thread shutdownHook;

    private Pebble(Process process, Path dir, Options options, int[] ports, LoopbackDns dns, SSLContext sslContext) {
        this.process = process;
        this.dir = dir;
        this.options = options;
        this.port = ports[0];
        this.managementPort = ports[1];
        this.dns = dns;
        this.sslContext = sslContext;
        this.http = client(sslContext);
        this.shutdownHook = new Thread(process::destroyForcibly, "pebble-shutdown");
    }

    /** Whether {@code /usr/bin/pebble} is installed. */
    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Makes Pebble's certificates and config in {@code dir}, starts Pebble and its {@link LoopbackDns}, and returns
     * once the ACME directory answers (at most 20 s).
     */
    public static Pebble start(Path dir, Options options) throws IOException {
        if (!available()) {
            throw new IllegalStateException("pebble is not installed (apt-get install pebble)");
        }
        Files.createDirectories(dir);
        writeCertificates(dir);
        SSLContext sslContext = trusting(dir.resolve("ca.pem"));
        int[] free = freePorts(2); // for challenge ports left to us: nothing listens there
        Options resolved = options.withHttpPort(options.httpPort() == 0 ? free[0] : options.httpPort())
                .withTlsPort(options.tlsPort() == 0 ? free[1] : options.tlsPort());
        LoopbackDns dns = LoopbackDns.start();
        try {
            for (int attempt = 1; ; attempt++) {
                int[] ports = freePorts(2);
                if (IntStream.of(ports).anyMatch(p -> p == resolved.httpPort() || p == resolved.tlsPort())) {
                    continue; // a challenge port we probed came round again
                }
                Pebble pebble = new Pebble(launch(dir, resolved, ports, dns), dir, resolved, ports, dns, sslContext);
                Runtime.getRuntime().addShutdownHook(pebble.shutdownHook);
                try {
                    pebble.awaitDirectory();
                    return pebble;
                } catch (IOException | RuntimeException e) {
                    pebble.stopProcess();
                    // another process may have taken a port between our probe and Pebble's bind: try new ones
                    if (attempt >= 3 || !pebble.log().contains("address already in use")) {
                        throw e;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            dns.close();
            throw e;
        }
    }

    /** The ACME directory, {@code https://127.0.0.1:PORT/dir}. */
    public String directoryUrl() {
        return "https://127.0.0.1:" + port + "/dir";
    }

    /** The CA that signed Pebble's HTTPS certificate: what an ACME client must trust ({@code --acme-ca-file}). */
    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** A TLS context trusting {@link #caFile()}, for clients of Pebble's HTTPS listeners. */
    public SSLContext sslContext() {
        return sslContext;
    }

    /** The options Pebble runs with, free ports filled in. */
    public Options options() {
        return options;
    }

    /** The LoopbackDns Pebble resolves challenge hosts with. */
    public LoopbackDns dns() {
        return dns;
    }

    /**
     * The root(s) Pebble issues under — new at each start — from its management listener ({@code /roots/0}), so a
     * test can check that a served chain leads to it.
     */
    public List<X509Certificate> rootCertificates() throws IOException {
        String pem = get("https://127.0.0.1:" + managementPort + "/roots/0");
        try {
            List<X509Certificate> roots = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                roots.add((X509Certificate) certificate);
            }
            return roots;
        } catch (GeneralSecurityException e) {
            throw new IOException("Pebble's /roots/0 is not PEM certificates: " + pem, e);
        }
    }

    /** Pebble's log (stdout and stderr) so far. */
    public String log() {
        try {
            return Files.readString(dir.resolve("pebble.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How often {@code needle} occurs in the log, e.g. {@code Added order} or {@code Issued certificate serial}. */
    public int count(String needle) {
        String log = log();
        int count = 0;
        for (int at = log.indexOf(needle); at >= 0; at = log.indexOf(needle, at + needle.length())) {
            count++;
        }
        return count;
    }

    /** Stops Pebble (waiting for it to exit) and its DNS. */
    @Override
    public void close() {
        stopProcess();
        dns.close();
    }

    @Override
    public String toString() {
        return "Pebble[" + directoryUrl() + ", pid " + process.pid() + "]";
    }

    /**
     * Writes {@code ca.pem} (and its key {@code ca.key}) and Pebble's HTTPS certificate {@code pebble-cert.pem} /
     * {@code pebble-key.pem} for {@code localhost} and 127.0.0.1: the Debian package ships no test certificates.
     */
    private static void writeCertificates(Path dir) throws IOException {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Pebble HTTPS test CA", "-days", "30",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "pebble-key.pem", "-out", "pebble.csr", "-subj", "/CN=localhost");
        Files.writeString(dir.resolve("pebble.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
        openssl(dir, "x509", "-req", "-in", "pebble.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
                Long.toString(System.nanoTime() & Long.MAX_VALUE), "-days", "30", "-extfile", "pebble.ext",
                "-out", "pebble-cert.pem");
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process openssl = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (openssl.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            openssl.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Process launch(Path dir, Options options, int[] ports, LoopbackDns dns) throws IOException {
        Path config = dir.resolve("pebble-config.json");
        Files.writeString(config, """
                {"pebble": {
                  "listenAddress": "127.0.0.1:%d",
                  "managementListenAddress": "127.0.0.1:%d",
                  "certificate": "%s",
                  "privateKey": "%s",
                  "httpPort": %d,
                  "tlsPort": %d,
                  "ocspResponderURL": "",
                  "externalAccountBindingRequired": false,
                  "certificateValidityPeriod": %d
                }}
                """.formatted(ports[0], ports[1], dir.resolve("pebble-cert.pem").toAbsolutePath(),
                dir.resolve("pebble-key.pem").toAbsolutePath(), options.httpPort(), options.tlsPort(),
                options.certificateValidity().toSeconds()));
        ProcessBuilder builder = new ProcessBuilder(BINARY.toString(), "-config", config.toAbsolutePath().toString(),
                "-dnsserver", "127.0.0.1:" + dns.port())
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("pebble.log").toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("PEBBLE_")); // only what the options say
        env.put("PEBBLE_VA_NOSLEEP", "1");
        env.put("PEBBLE_WFE_NONCEREJECT", Integer.toString(options.nonceRejectPercent()));
        env.put("PEBBLE_AUTHZREUSE", Integer.toString(options.authzReuse()));
        if (options.alwaysValid()) {
            env.put("PEBBLE_VA_ALWAYS_VALID", "1");
        }
        return builder.start();
    }

    private void awaitDirectory() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("pebble exited with " + process.exitValue() + " before answering; log:\n"
                        + tail());
            }
            try {
                if (http.send(request(directoryUrl()), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("pebble did not answer " + directoryUrl() + " within " + START_TIMEOUT.toSeconds()
                        + " s; log:\n" + tail());
            }
            sleep(50);
        }
    }

    private String get(String url) throws IOException {
        HttpResponse<String> response;
        try {
            response = http.send(request(url), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private void stopProcess() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException shuttingDownOrRemoved) {
            // the hook runs or has gone already
        }
    }

    private String tail() {
        List<String> lines = log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static HttpRequest request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build();
    }

    private static HttpClient client(SSLContext sslContext) {
        return HttpClient.newBuilder().sslContext(sslContext).connectTimeout(Duration.ofSeconds(2)).build();
    }

    private static SSLContext trusting(Path caFile) throws IOException {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            Certificate ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
            trust.setCertificateEntry("pebble-https-ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust " + caFile, e);
        }
    }

    /** {@code count} distinct free ports on 127.0.0.1 (probed together, so they differ). */
    private static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
