package dev.ballast.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.config.Cidr;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.observability.testing.PrometheusText;
import dev.ballast.schema.Snapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * What the HTTPS listener tests share: replicas with TLS listeners on loopback ports the system picks, TLS clients
 * (the JDK's, {@code openssl s_client}, {@code curl}), a backend that echoes what it received, and the admin
 * endpoints read back. Nothing here is mocked: every check goes through a real socket.
 */
final class TlsTesting {

    static final Duration IO_TIMEOUT = Duration.ofSeconds(5);
    private static final HttpClient ADMIN = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(IO_TIMEOUT).build();

    private TlsTesting() {
    }

    // ---- replicas ----

    /**
     * A started replica with one plain and one TLS listener on loopback, serving the certificates of {@code certs}
     * (and {@code cert-*} secrets of {@code secrets}), with {@code snapshot} in force.
     *
     * @param defaultCert {@code --default-cert}, or null
     * @param trustedProxies {@code --trusted-proxies}
     */
    static DataplaneServer replica(Path certs, String defaultCert, Path secrets, List<Cidr> trustedProxies,
                                   Snapshot snapshot) throws InterruptedException {
        DataplaneConfig.Tls tls = new DataplaneConfig.Tls(List.of(new HostPort("127.0.0.1", 0)), Optional.of(certs),
                Optional.ofNullable(defaultCert));
        DataplaneServer server = new DataplaneServer(TestReplicas.withTls(TestReplicas.config(Duration.ofSeconds(5)),
                tls, secrets, trustedProxies));
        try {
            server.start();
            server.apply(snapshot, "test");
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    static int tlsPort(DataplaneServer server) {
        return server.tlsAddresses().get(0).getPort();
    }

    static int plainPort(DataplaneServer server) {
        return server.trafficAddress().getPort();
    }

    /**
     * A backend answering every request with what it received: {@code METHOD TARGET}, then one line per header value,
     * {@code lower-case-name: value}.
     */
    static HttpServer echoBackend() throws IOException {
        return TestReplicas.backend(exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            StringBuilder reply = new StringBuilder(exchange.getRequestMethod()).append(' ')
                    .append(exchange.getRequestURI()).append('\n');
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(value ->
                    reply.append(name.toLowerCase(Locale.ROOT)).append(": ").append(value).append('\n')));
            byte[] bytes = reply.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
    }

    /** The values of header {@code name} in an echo backend's answer, in order. */
    static List<String> echoed(String body, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ": ";
        return body.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
    }

    /**
     * What an echo backend was told of the client: {@code X-Forwarded-For}, {@code -Proto} and {@code -Host} as given,
     * and {@code Forwarded} equal to {@code forwarded} (null: none was sent).
     */
    static void assertForwarding(String seen, String forwardedFor, String proto, String host, String forwarded) {
        assertThat(echoedOne(seen, "X-Forwarded-For")).isEqualTo(forwardedFor);
        assertThat(echoedOne(seen, "X-Forwarded-Proto")).isEqualTo(proto);
        assertThat(echoedOne(seen, "X-Forwarded-Host")).isEqualTo(host);
        assertThat(echoedOne(seen, "Forwarded")).isEqualTo(forwarded);
    }

    /** The one value of header {@code name} in an echo backend's answer; null when absent. */
    static String echoedOne(String body, String name) {
        List<String> values = echoed(body, name);
        if (values.size() > 1) {
            throw new AssertionError("more than one " + name + " in " + body);
        }
        return values.isEmpty() ? null : values.get(0);
    }

    // ---- certificate files ----

    /** Replaces (or creates) {@code file} whole, as a renaming writer does: a reader sees the old or the new text. */
    static void writeAtomically(Path file, String text) throws IOException {
        Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp"); // hidden: the watcher passes it by
        Files.writeString(temporary, text);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    static BigInteger serialOf(String pem) throws Exception {
        return certificate(pem).getSerialNumber();
    }

    /** Forty characters from the middle of a PEM key's base64: text that must never show outside the replica. */
    static String keySlice(String keyPem) {
        String base64 = keyPem.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        if (base64.length() < 60) {
            throw new IllegalArgumentException("too short to be a key: " + keyPem);
        }
        return base64.substring(base64.length() / 2 - 20, base64.length() / 2 + 20);
    }

    // ---- TLS clients (JDK) ----

    /** A client context trusting only the certificates of {@code caFile}. */
    static SSLContext trusting(Path caFile) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("test-ca", certificate(Files.readString(caFile)));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /** A client context accepting any certificate: to see what is served where validation would refuse it. */
    static SSLContext trustingAnything() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return context;
    }

    /**
     * A TLS connection to 127.0.0.1:{@code port}, handshake done, its ClientHello naming {@code serverName} (null:
     * no server name at all).
     */
    static SSLSocket connect(SSLContext context, int port, String serverName) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) IO_TIMEOUT.toMillis());
            socket.setSoTimeout((int) IO_TIMEOUT.toMillis());
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.<SNIServerName>of()
                    : List.of(new SNIHostName(serverName)));
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * The leaf certificate served to a ClientHello naming {@code serverName} (null: none), as a JDK client trusting
     * {@code caFile} sees it after a full handshake: each call has a context of its own, so no session is offered for
     * resumption (a resumed session shows the certificate of the handshake that made it).
     */
    static X509Certificate served(Path caFile, int port, String serverName) throws Exception {
        return leafOf(trusting(caFile), port, serverName);
    }

    /** {@link #served}, whatever the certificate: expired or issued by anyone. */
    static X509Certificate servedAnyway(int port, String serverName) throws Exception {
        return leafOf(trustingAnything(), port, serverName);
    }

    private static X509Certificate leafOf(SSLContext context, int port, String serverName) throws IOException {
        try (SSLSocket socket = connect(context, port, serverName)) {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    // ---- HTTP over a socket ----

    /** An HTTP response as read off a socket. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Writes {@code request} (head and body as given) and reads one response; the socket stays open. */
    static Response exchange(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return read(socket.getInputStream());
    }

    /** A {@code GET} of {@code target} with {@code Host: host} and the extra header lines given. */
    static String get(String target, String host, String... headerLines) {
        StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host)
                .append("\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    /** One response: head, then a body framed by Content-Length, chunks, or the end of the connection. */
    static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("the connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not a status line: " + statusLine);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0;
                    size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                chunks.write(in.readNBytes(size));
                line(in);
            }
            for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                // trailers: none expected
            }
            body = chunks.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new Response(Integer.parseInt(parts[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Everything a plain socket gets back for {@code bytes} sent to 127.0.0.1:{@code port}, until it closes. */
    static String rawExchange(int port, String bytes) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) IO_TIMEOUT.toMillis());
            socket.setSoTimeout((int) IO_TIMEOUT.toMillis());
            socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** A plain connection to 127.0.0.1:{@code port}. */
    static Socket plain(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int) IO_TIMEOUT.toMillis());
        socket.setSoTimeout((int) IO_TIMEOUT.toMillis());
        return socket;
    }

    // ---- the admin listener ----

    static HttpResponse<String> admin(DataplaneServer server, String path) throws IOException, InterruptedException {
        return ADMIN.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminAddress().getPort()
                + path)).timeout(IO_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    static List<PrometheusText.Sample> metrics(DataplaneServer server) throws IOException, InterruptedException {
        HttpResponse<String> scraped = admin(server, "/metrics");
        if (scraped.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + scraped.statusCode());
        }
        return PrometheusText.parse(scraped.body());
    }

    // ---- command-line clients ----

    /** What a command printed (stdout and stderr together) and how it exited. */
    record Run(int exit, String output) {
        /** The value of {@code subject=} (the server's leaf, as {@code s_client} prints it); null when absent. */
        String subject() {
            Matcher m = Pattern.compile("(?m)^subject=(.*)$").matcher(output);
            return m.find() ? m.group(1).trim() : null;
        }
    }

    /** Runs a command with {@code input} on its standard input (null: none), for at most 15 s. */
    static Run run(String input, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (input == null) {
            builder.redirectInput(new File("/dev/null"));
        }
        Process process = builder.start();
        if (input != null) {
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(input.getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream stdout = process.getInputStream()) {
                stdout.transferTo(output);
            } catch (IOException e) {
                // the process was killed: what was read is what there is
            }
        });
        reader.start();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            reader.join(1000);
            throw new AssertionError(String.join(" ", command) + " did not finish in 15 s: " + output);
        }
        reader.join(5000);
        return new Run(process.exitValue(), output.toString(StandardCharsets.UTF_8));
    }

    /**
     * {@code openssl s_client -connect 127.0.0.1:PORT} with the options given. Without {@code input}, it ends after
     * the handshake; with it (an HTTP request saying {@code Connection: close}), it sends it and waits for the replica
     * to close, reading the response (and any session tickets) on the way.
     */
    static Run sClient(int port, String input, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
        command.addAll(List.of(options));
        if (input != null) {
            command.add("-ign_eof");
        }
        return run(input, command);
    }
}
