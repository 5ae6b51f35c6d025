package dev.ballast.certificates;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads certificates from files: a directory of {@code *.pem} files (chain and key in one, Docker Flow Proxy's
 * format) and {@code NAME.crt} + {@code NAME.key} pairs, or Docker secrets named {@code cert-*} / {@code cert_*}. A
 * file that is not a servable certificate is skipped and reported; it never stops the others.
 */
public final class CertificateFiles {

    /** Larger files are not certificates someone meant to give (a chain of ten is some 20 KiB). */
    static final long MAX_FILE_SIZE = 1 << 20;

    /**
     * What a read found.
     *
     * @param certificates the servable ones, by name
     * @param problems one report per file skipped, naming it and saying why
     */
    public record Loaded(List<ServedCertificate> certificates, List<CertificateReport> problems) {
        public Loaded {
            certificates = List.copyOf(certificates);
            problems = List.copyOf(problems);
        }

        public static final Loaded NONE = new Loaded(List.of(), List.of());

        /** Both reads together, certificates sorted by name. */
        public Loaded and(Loaded other) {
            List<ServedCertificate> all = new ArrayList<>(certificates);
            all.addAll(other.certificates);
            all.sort(java.util.Comparator.comparing(ServedCertificate::name));
            List<CertificateReport> allProblems = new ArrayList<>(problems);
            allProblems.addAll(other.problems);
            return new Loaded(all, allProblems);
        }
    }

    private CertificateFiles() {
    }

    /** Every {@code *.pem} and {@code *.crt}/{@code *.key} pair of {@code dir}, by name. */
    public static Loaded directory(Path dir) {
        if (!Files.isDirectory(dir)) {
            return new Loaded(List.of(), List.of(CertificateReport.invalid(dir.getFileName() + "", dir.toString(),
                    "not a directory")));
        }
        List<ServedCertificate> certificates = new ArrayList<>();
        List<CertificateReport> problems = new ArrayList<>();
        TreeMap<String, Path> pems = new TreeMap<>();
        TreeMap<String, Path> crts = new TreeMap<>();
        TreeMap<String, Path> keys = new TreeMap<>();
        for (Path file : files(dir, problems)) {
            String fileName = file.getFileName().toString();
            if (fileName.endsWith(".pem")) {
                pems.put(base(fileName), file);
            } else if (fileName.endsWith(".crt")) {
                crts.put(base(fileName), file);
            } else if (fileName.endsWith(".key")) {
                keys.put(base(fileName), file);
            }
        }
        pems.forEach((name, file) -> read(name, file, List.of(file), certificates, problems));
        crts.forEach((name, crt) -> {
            Path key = keys.remove(name);
            read(name, crt, key == null ? List.of(crt) : List.of(crt, key), certificates, problems);
        });
        keys.forEach((name, key) -> problems.add(CertificateReport.invalid(name, key.toString(),
                "a key without its certificate: " + name + ".crt is missing")));
        certificates.sort(java.util.Comparator.comparing(ServedCertificate::name));
        return new Loaded(certificates, problems);
    }

    /** Docker secrets named {@code cert-*} or {@code cert_*} in {@code secretsDir}, named as the secret is. */
    public static Loaded secrets(Path secretsDir) {
        if (!Files.isDirectory(secretsDir)) {
            return Loaded.NONE; // no secrets mounted at all: nothing to report
        }
        List<ServedCertificate> certificates = new ArrayList<>();
        List<CertificateReport> problems = new ArrayList<>();
        for (Path file : files(secretsDir, problems)) {
            String name = file.getFileName().toString();
            if (name.startsWith("cert-") || name.startsWith("cert_")) {
                read(name, file, List.of(file), certificates, problems);
            }
        }
        certificates.sort(java.util.Comparator.comparing(ServedCertificate::name));
        return new Loaded(certificates, problems);
    }

    private static List<Path> files(Path dir, List<CertificateReport> problems) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(f -> !f.getFileName().toString().startsWith(".") && Files.isRegularFile(f))
                    .sorted().toList();
        } catch (IOException e) {
            problems.add(CertificateReport.invalid(dir.getFileName() + "", dir.toString(),
                    "cannot list the directory: " + e.getMessage()));
            return List.of();
        }
    }

    private static void read(String name, Path named, List<Path> parts, List<ServedCertificate> into,
                             List<CertificateReport> problems) {
        StringBuilder pem = new StringBuilder();
        try {
            for (Path part : parts) {
                if (Files.size(part) > MAX_FILE_SIZE) {
                    throw new InvalidCertificateException(part.getFileName() + " is larger than 1 MiB");
                }
                if (pem.length() > 0 && pem.charAt(pem.length() - 1) != '\n') {
                    pem.append('\n'); // a .crt without a final newline: its key starts on a line of its own
                }
                pem.append(Files.readString(part, StandardCharsets.ISO_8859_1));
            }
            into.add(ServedCertificate.parse(name, named.toString(), pem.toString()));
        } catch (IOException e) {
            problems.add(CertificateReport.invalid(name, named.toString(), "cannot be read: " + e));
        } catch (InvalidCertificateException e) {
            problems.add(CertificateReport.invalid(name, named.toString(), e.getMessage()));
        }
    }

    private static String base(String fileName) {
        return fileName.substring(0, fileName.lastIndexOf('.'));
    }
}
