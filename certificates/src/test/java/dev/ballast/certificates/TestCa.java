package dev.ballast.certificates;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A certificate authority for tests, made and run with the {@code openssl} command (as an operator would make
 * certificates): a root, and leaf certificates it issues for given hosts, valid for given dates, with keys in the
 * forms tools write. Tests trust {@link #rootPem()} in their TLS clients.
 */
public final class TestCa {

    /** The private-key forms tools write. */
    public enum KeyForm {
        /** {@code PRIVATE KEY}, EC P-256 ({@code openssl genpkey}) */
        EC,
        /** {@code EC PRIVATE KEY}, SEC1 ({@code openssl ecparam -genkey}) */
        EC_SEC1,
        /** {@code PRIVATE KEY}, RSA 2048 */
        RSA,
        /** {@code RSA PRIVATE KEY}, PKCS#1 ({@code openssl genrsa -traditional}) */
        RSA_PKCS1
    }

    /** A leaf certificate and its key, as PEM text. */
    public record Issued(String certificatePem, String keyPem) {
        /** Chain and key in one text: Docker Flow Proxy's {@code .pem} format. */
        public String pem() {
            return certificatePem + keyPem;
        }

        /** Writes {@code NAME.pem} into {@code dir}; returns its path. */
        public Path writePem(Path dir, String name) throws IOException {
            return Files.writeString(dir.resolve(name + ".pem"), pem());
        }
    }

    private static final DateTimeFormatter CA_DATE = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final Path dir;
    private final String name;
    private final AtomicInteger issued = new AtomicInteger();

    private TestCa(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** A new root CA named {@code name}, its files in {@code dir}. */
    public static TestCa create(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        TestCa ca = new TestCa(dir, name);
        ca.key(KeyForm.EC, dir.resolve("ca.key"));
        ca.openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=" + name, "-days", "3650",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-out", "ca.crt");
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "1000\n");
        Files.writeString(dir.resolve("ca.cnf"), String.join("\n",
                "[ca]", "default_ca = test", "[test]", "database = index.txt", "new_certs_dir = .",
                "serial = serial", "default_md = sha256", "policy = any", "unique_subject = no",
                "[any]", "commonName = supplied", ""));
        return ca;
    }

    /** The root certificate, for clients to trust. */
    public String rootPem() throws IOException {
        return Files.readString(dir.resolve("ca.crt"));
    }

    public Path rootFile() {
        return dir.resolve("ca.crt");
    }

    /** A certificate for {@code hosts} (the first is also its CN), valid from yesterday for 90 days, EC key. */
    public Issued issue(String... hosts) throws IOException {
        Instant now = Instant.now();
        return issue(KeyForm.EC, now.minus(1, ChronoUnit.DAYS), now.plus(90, ChronoUnit.DAYS), hosts);
    }

    /** A certificate for {@code hosts} with a key of the given form, valid from {@code notBefore} to {@code notAfter}. */
    public Issued issue(KeyForm form, Instant notBefore, Instant notAfter, String... hosts) throws IOException {
        String id = "leaf" + issued.incrementAndGet();
        key(form, dir.resolve(id + ".key"));
        openssl("req", "-new", "-key", id + ".key", "-subj", "/CN=" + hosts[0], "-out", id + ".csr");
        List<String> names = new ArrayList<>();
        for (String host : hosts) {
            names.add("DNS:" + host);
        }
        Files.writeString(dir.resolve(id + ".ext"), "subjectAltName=" + String.join(",", names) + "\n"
                + "extendedKeyUsage=serverAuth\n");
        openssl("ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.crt", "-keyfile", "ca.key",
                "-in", id + ".csr", "-out", id + ".crt", "-extfile", id + ".ext",
                "-startdate", CA_DATE.format(notBefore), "-enddate", CA_DATE.format(notAfter));
        return new Issued(Files.readString(dir.resolve(id + ".crt")), Files.readString(dir.resolve(id + ".key")));
    }

    @Override
    public String toString() {
        return "TestCa[" + name + "]";
    }

    private void key(KeyForm form, Path out) throws IOException {
        String file = out.getFileName().toString();
        switch (form) {
            case EC -> openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file);
            case EC_SEC1 -> openssl("ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", file);
            case RSA -> openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file);
            case RSA_PKCS1 -> openssl("genrsa", "-traditional", "-out", file, "2048");
        }
    }

    private void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("openssl " + args[0] + " did not finish in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
        }
    }
}
