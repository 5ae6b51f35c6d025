package dev.ballast.controller.acme;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code --acme-storage}: the account key ({@code account.key}), and per certificate its chain and key
 * ({@code NAME.pem}) and what the controller knows of its orders ({@code NAME.state}: hosts, validity, next renewal,
 * failures and the next retry). Everything is written 0600 in a 0700 directory, through a temporary file renamed over
 * the old one, so a crash leaves the old file or the new one. Controllers that share the directory (a shared volume)
 * read each other's certificates: the one holding the lease orders, the others pick up what it stored.
 */
final class AcmeStorage {

    private static final Pattern STATE_FILE = Pattern.compile("(acme-[A-Za-z0-9._-]+)\\.state");

    private final Path dir;

    AcmeStorage(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /**
     * The account key, made and kept on first use: an EC P-256 pair, as a PKCS#8 private key and an X.509 public key
     * in one PEM file. The JDK makes and reads it (acme4j's own helpers need BouncyCastle registered as a provider).
     */
    KeyPair accountKey() {
        Path file = dir.resolve("account.key");
        try {
            KeyFactory ec = KeyFactory.getInstance("EC");
            if (Files.exists(file)) {
                String pem = Files.readString(file, StandardCharsets.US_ASCII);
                return new KeyPair(ec.generatePublic(new X509EncodedKeySpec(block(pem, "PUBLIC KEY"))),
                        ec.generatePrivate(new PKCS8EncodedKeySpec(block(pem, "PRIVATE KEY"))));
            }
            KeyPair key = newKey();
            write(file.getFileName().toString(), pem("PRIVATE KEY", key.getPrivate().getEncoded())
                    + pem("PUBLIC KEY", key.getPublic().getEncoded()));
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("ACME account key " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("ACME account key " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** A new EC P-256 key pair (accounts and certificates). */
    static KeyPair newKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has EC P-256", e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] block(String pem, String type) {
        int start = pem.indexOf("-----BEGIN " + type + "-----");
        int end = pem.indexOf("-----END " + type + "-----");
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("no " + type + " block");
        }
        return Base64.getMimeDecoder().decode(pem.substring(start + type.length() + 16, end));
    }

    /** The chain and key of certificate {@code name}, if stored. */
    Optional<String> pem(String name) {
        return read(name + ".pem");
    }

    /** What is known of certificate {@code name}'s orders, if anything. */
    Optional<CertificateState> state(String name) {
        return read(name + ".state").map(text -> {
            Properties p = new Properties();
            try {
                p.load(new StringReader(text));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return CertificateState.from(p);
        });
    }

    /** Every certificate name with a state file. */
    List<String> names() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = new ArrayList<>();
            files.map(f -> STATE_FILE.matcher(f.getFileName().toString())).filter(m -> m.matches())
                    .forEach(m -> names.add(m.group(1)));
            names.sort(null);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    void saveCertificate(String name, String pem) {
        write(name + ".pem", pem);
    }

    void saveState(String name, CertificateState state) {
        StringWriter text = new StringWriter();
        try {
            state.toProperties().store(text, "Ballast ACME state of " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(name + ".state", text.toString());
    }

    private Optional<String> read(String file) {
        Path path = dir.resolve(file);
        try {
            return Files.exists(path) ? Optional.of(Files.readString(path, StandardCharsets.ISO_8859_1))
                    : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private void write(String file, String text) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                posix(dir, "rwx------");
            }
            Path temporary = Files.createTempFile(dir, "." + file, ".tmp");
            posix(temporary, "rw-------");
            try {
                Files.writeString(temporary, text, StandardCharsets.ISO_8859_1);
                try {
                    Files.move(temporary, dir.resolve(file), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(file) + ": " + e.getMessage(), e);
        }
    }

    private static void posix(Path path, String permissions) throws IOException {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        }
    }

    /**
     * What the controller knows of one certificate's orders.
     *
     * @param hosts the hosts it is (or is to be) for
     * @param notAfter when the certificate in storage expires; null when there is none
     * @param renewAt when to order its successor; null when there is no certificate
     * @param failures failed orders in a row
     * @param retryAt no order before this (backoff, or the CA's Retry-After); null when free to order
     * @param lastError the CA's (or the network's) message of the last failure; null after a success
     * @param issuer the issuer of the stored certificate
     */
    record CertificateState(List<String> hosts, Instant notAfter, Instant renewAt, int failures, Instant retryAt,
                            String lastError, String issuer) {

        CertificateState {
            hosts = List.copyOf(hosts);
        }

        static CertificateState none(List<String> hosts) {
            return new CertificateState(hosts, null, null, 0, null, null, null);
        }

        CertificateState failed(String error, Instant retry) {
            return new CertificateState(hosts, notAfter, renewAt, failures + 1, retry, error, issuer);
        }

        Properties toProperties() {
            Properties p = new Properties();
            p.setProperty("hosts", String.join(",", hosts));
            p.setProperty("failures", Integer.toString(failures));
            put(p, "notAfter", notAfter);
            put(p, "renewAt", renewAt);
            put(p, "retryAt", retryAt);
            if (lastError != null) {
                p.setProperty("lastError", lastError);
            }
            if (issuer != null) {
                p.setProperty("issuer", issuer);
            }
            return p;
        }

        static CertificateState from(Properties p) {
            String hosts = p.getProperty("hosts", "");
            return new CertificateState(hosts.isEmpty() ? List.of() : Arrays.asList(hosts.split(",")),
                    instant(p, "notAfter"), instant(p, "renewAt"), Integer.parseInt(p.getProperty("failures", "0")),
                    instant(p, "retryAt"), p.getProperty("lastError"), p.getProperty("issuer"));
        }

        private static void put(Properties p, String key, Instant value) {
            if (value != null) {
                p.setProperty(key, value.toString());
            }
        }

        private static Instant instant(Properties p, String key) {
            String value = p.getProperty(key);
            return value == null ? null : Instant.parse(value);
        }
    }
}
