package dev.ballast.dataplane.tls;

import dev.ballast.certificates.CertificateFiles;
import dev.ballast.certificates.CertificateReport;
import dev.ballast.certificates.InvalidCertificateException;
import dev.ballast.certificates.ServedCertificate;
import dev.ballast.schema.TlsCertificate;
import io.netty.handler.ssl.SslContext;
import java.io.Closeable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link CertificateTable} current from its three sources: {@code --certs DIR} and the {@code cert-*}
 * secrets (read again every second, on a thread of its own: file reads never happen on an event loop), and the
 * certificates of the snapshot in force (given by {@link #fromController}). A new table is built only when something
 * changed; a certificate that did not change keeps its TLS context, so its session cache survives. Each skipped file is
 * logged once, when it appears or changes, naming the file and saying why.
 */
public final class CertificateWatcher implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateWatcher.class);
    static final long POLL_MILLIS = 1000;

    /** What a table was built from: enough to tell whether anything changed. */
    private record Source(String name, String source, String pem) {
    }

    private final Optional<Path> dir;
    private final Path secretsDir;
    private final Optional<String> defaultCert;
    private final TlsContexts contexts;
    private final AtomicReference<CertificateTable> table = new AtomicReference<>(CertificateTable.EMPTY);
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ballast-certificates");
        t.setDaemon(true);
        return t;
    });
    /** Guarded by this: the last reads of each source, and the contexts built, by PEM text. */
    private CertificateFiles.Loaded files = CertificateFiles.Loaded.NONE;
    private CertificateFiles.Loaded controller = CertificateFiles.Loaded.NONE;
    private List<Source> built = List.of();
    private List<CertificateReport> readProblems = List.of();
    private List<CertificateReport> logged = List.of();
    private Map<String, SslContext> contextsByPem = Map.of();

    /**
     * @param dir {@code --certs}
     * @param secretsDir where Docker secrets are mounted ({@code cert-*}, {@code cert_*})
     * @param defaultCert the certificate served when no other is named (a file in {@code dir}, with or without its
     *     extension, or a secret's name)
     */
    public CertificateWatcher(Optional<Path> dir, Path secretsDir, Optional<String> defaultCert,
                              TlsContexts contexts) {
        this.dir = dir;
        this.secretsDir = secretsDir;
        this.defaultCert = defaultCert.map(CertificateWatcher::withoutExtension);
        this.contexts = contexts;
    }

    /** Reads the files now (the caller's thread), then every second on the watcher's own. */
    public void start() {
        readFiles();
        poller.scheduleWithFixedDelay(this::readFiles, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Which TLS engine serves the certificates (for the log at start). */
    public String engine() {
        return contexts.describe();
    }

    /** The table in force: a handshake reads it once. */
    public CertificateTable table() {
        return table.get();
    }

    /** The snapshot's certificates (the puller's thread); an unservable one is reported like a bad file. */
    public void fromController(List<TlsCertificate> certificates) {
        List<ServedCertificate> served = new ArrayList<>();
        List<CertificateReport> problems = new ArrayList<>();
        for (TlsCertificate certificate : certificates) {
            try {
                served.add(ServedCertificate.parse(certificate.name(), "controller", certificate.pem()));
            } catch (InvalidCertificateException e) {
                problems.add(CertificateReport.invalid(certificate.name(), "controller", e.getMessage()));
            }
        }
        synchronized (this) {
            controller = new CertificateFiles.Loaded(served, problems);
            rebuild();
        }
    }

    private void readFiles() {
        try {
            CertificateFiles.Loaded read = dir.map(CertificateFiles::directory).orElse(CertificateFiles.Loaded.NONE)
                    .and(CertificateFiles.secrets(secretsDir));
            synchronized (this) {
                files = read;
                rebuild();
            }
        } catch (RuntimeException e) {
            LOG.warn("reading certificates failed; the certificates in force stay", e);
        }
    }

    /** Builds a new table when the certificates or their problems changed. Called holding the lock. */
    private void rebuild() {
        CertificateFiles.Loaded all = files.and(controller);
        List<Source> sources = all.certificates().stream().map(c -> new Source(c.name(), c.source(), c.pem()))
                .toList();
        if (sources.equals(built) && all.problems().equals(readProblems)) {
            return;
        }
        List<CertificateReport> problems = new ArrayList<>(all.problems());
        Map<String, SslContext> contextsNow = new HashMap<>();
        List<CertificateTable.Entry> entries = new ArrayList<>();
        for (ServedCertificate certificate : all.certificates()) {
            try {
                SslContext context = contextsByPem.get(certificate.pem());
                if (context == null) {
                    context = contexts.server(certificate);
                }
                contextsNow.put(certificate.pem(), context);
                entries.add(new CertificateTable.Entry(certificate, context));
            } catch (SSLException | RuntimeException e) {
                problems.add(CertificateReport.invalid(certificate.name(), certificate.source(),
                        "the TLS engine refused it: " + e.getMessage()));
            }
        }
        CertificateTable.Entry fallback = fallback(entries, problems);
        CertificateTable next = new CertificateTable(entries, fallback, problems);
        table.set(next);
        logChanges(next, problems);
        built = sources;
        readProblems = all.problems();
        logged = List.copyOf(problems);
        contextsByPem = contextsNow;
    }

    private CertificateTable.Entry fallback(List<CertificateTable.Entry> entries, List<CertificateReport> problems) {
        if (entries.isEmpty()) {
            return null;
        }
        if (defaultCert.isPresent()) {
            for (CertificateTable.Entry entry : entries) {
                if (entry.certificate().name().equals(defaultCert.get())) {
                    return entry;
                }
            }
            problems.add(CertificateReport.invalid(defaultCert.get(), "--default-cert",
                    "no certificate of this name is served; the first by name is the default"));
        }
        return entries.get(0);
    }

    private void logChanges(CertificateTable next, List<CertificateReport> problems) {
        for (CertificateReport problem : problems) {
            if (!logged.contains(problem)) {
                LOG.warn("certificate {} ({}) skipped: {}", problem.name(), problem.source(), problem.reason());
            }
        }
        LOG.info("certificates served: {}{}", next.certificates().isEmpty() ? "none"
                        : String.join(", ", next.certificates().stream().map(c -> c.name() + " " + c.hosts()).toList()),
                next.defaultName() == null ? "" : "; default " + next.defaultName());
        for (ServedCertificate certificate : next.certificates()) {
            CertificateReport report = certificate.report(java.time.Instant.now());
            if (report.reason() != null) {
                LOG.warn("certificate {} ({}): {}", certificate.name(), certificate.source(), report.reason());
            }
        }
    }

    private static String withoutExtension(String name) {
        for (String extension : List.of(".pem", ".crt")) {
            if (name.endsWith(extension)) {
                return name.substring(0, name.length() - extension.length());
            }
        }
        return Objects.requireNonNull(name);
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
