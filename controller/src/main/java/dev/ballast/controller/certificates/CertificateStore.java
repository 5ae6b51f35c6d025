package dev.ballast.controller.certificates;

import dev.ballast.certificates.CertificateFiles;
import dev.ballast.certificates.CertificateReport;
import dev.ballast.certificates.InvalidCertificateException;
import dev.ballast.certificates.ServedCertificate;
import dev.ballast.schema.TlsCertificate;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates the controller distributes: the files of {@code --certs} (read again every second, on a thread of
 * its own) and those pushed with {@code PUT /v1/docker-flow-proxy/cert} (kept as {@code NAME.pem}, mode 0600, in
 * {@code --state-dir}/certs, so they survive a restart; without a state directory, in memory only). A pushed
 * certificate replaces a file of the same name, and both replace an ACME certificate ({@link #acme}). Every change
 * calls {@code changed}, which asks for a reconcile pass: certificates reach replicas in snapshots like routes do.
 */
public final class CertificateStore implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateStore.class);
    /** Docker Flow's certName becomes a file name: nothing that could leave the directory. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}");
    static final long POLL_MILLIS = 1000;

    private final Optional<Path> dir;
    private final Optional<Path> pushedDir;
    private final Runnable changed;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ballast-controller-certificates");
        t.setDaemon(true);
        return t;
    });
    /** Guarded by this. */
    private CertificateFiles.Loaded files = CertificateFiles.Loaded.NONE;
    private final Map<String, ServedCertificate> pushed = new TreeMap<>();
    private Map<String, ServedCertificate> acme = Map.of();
    private List<TlsCertificate> distributed = List.of();
    private List<CertificateReport> problems = List.of();

    /**
     * @param dir {@code --certs}
     * @param stateDir {@code --state-dir}: pushed certificates are kept in its {@code certs} directory
     * @param changed called (on the store's thread or a pusher's) when the certificates changed
     */
    public CertificateStore(Optional<Path> dir, Optional<Path> stateDir, Runnable changed) {
        this.dir = dir;
        this.pushedDir = stateDir.map(d -> d.resolve("certs"));
        this.changed = changed;
    }

    /** Reads the pushed certificates kept and the directory now, then the directory every second. */
    public void start() {
        pushedDir.ifPresent(this::loadPushed);
        readFiles();
        if (dir.isPresent()) {
            poller.scheduleWithFixedDelay(this::readFiles, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Whether pushed certificates survive a restart. */
    public boolean persistent() {
        return pushedDir.isPresent();
    }

    /** Every servable certificate, by name: the same list instance until something changes. */
    public synchronized List<TlsCertificate> certificates() {
        return distributed;
    }

    /** What status pages show: each certificate (never its key), the invalid files too. */
    public synchronized List<CertificateReport> reports(Instant now) {
        List<CertificateReport> reports = new ArrayList<>();
        servable().values().forEach(c -> reports.add(c.report(now)));
        reports.addAll(problems);
        return reports;
    }

    /**
     * {@link #put} on the store's own thread (it parses and writes a file), for callers on an event loop.
     *
     * @return completed when kept, or exceptionally with {@link #put}'s exception
     */
    public CompletableFuture<Void> putLater(String name, String pem) {
        return CompletableFuture.runAsync(() -> put(name, pem), poller);
    }

    /** {@link #delete} on the store's own thread (it deletes a file), for callers on an event loop. */
    public CompletableFuture<Boolean> deleteLater(String name) {
        return CompletableFuture.supplyAsync(() -> delete(name), poller);
    }

    /**
     * Validates and keeps a pushed certificate.
     *
     * @throws IllegalArgumentException naming what is wrong (the name, or the PEM and why); nothing changes then
     */
    public void put(String name, String pem) {
        checkName(name);
        ServedCertificate certificate;
        try {
            certificate = ServedCertificate.parse(name, "pushed", pem);
        } catch (InvalidCertificateException e) {
            throw new IllegalArgumentException("certificate " + name + ": " + e.getMessage());
        }
        synchronized (this) {
            pushedDir.ifPresent(d -> write(d, name, pem));
            pushed.put(name, certificate);
            update();
        }
        LOG.info("certificate {} pushed: hosts {}, not after {}", name, certificate.hosts(), certificate.notAfter());
        changed.run();
    }

    /** Forgets a pushed certificate; false when there is none of that name. */
    public boolean delete(String name) {
        checkName(name);
        synchronized (this) {
            if (pushed.remove(name) == null) {
                return false;
            }
            pushedDir.ifPresent(d -> {
                try {
                    Files.deleteIfExists(d.resolve(name + ".pem"));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete " + d.resolve(name + ".pem"), e);
                }
            });
            update();
        }
        LOG.info("certificate {} deleted", name);
        changed.run();
        return true;
    }

    /**
     * The certificates ACME obtained, replacing those it gave before. A file or push of the same name wins: the
     * operator's certificate is the one meant.
     */
    public void acme(List<ServedCertificate> issued) {
        Map<String, ServedCertificate> byName = new TreeMap<>();
        issued.forEach(c -> byName.put(c.name(), c));
        synchronized (this) {
            if (byName.equals(acme)) {
                return;
            }
            acme = Map.copyOf(byName);
            update();
        }
        changed.run();
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("certName " + (name == null ? "is missing" : "\"" + name
                    + "\" is not a name of letters, digits, '.', '-' and '_'"));
        }
    }

    private void readFiles() {
        try {
            CertificateFiles.Loaded read = dir.map(CertificateFiles::directory).orElse(CertificateFiles.Loaded.NONE);
            boolean different;
            synchronized (this) {
                different = !sameContent(read, files);
                if (different) {
                    read.problems().stream().filter(p -> !files.problems().contains(p)).forEach(p ->
                            LOG.warn("certificate {} ({}) skipped: {}", p.name(), p.source(), p.reason()));
                    files = read;
                    update();
                }
            }
            if (different) {
                changed.run();
            }
        } catch (RuntimeException e) {
            LOG.warn("reading certificates failed; the certificates in force stay", e);
        }
    }

    private static boolean sameContent(CertificateFiles.Loaded a, CertificateFiles.Loaded b) {
        return a.problems().equals(b.problems()) && a.certificates().stream().map(ServedCertificate::pem).toList()
                .equals(b.certificates().stream().map(ServedCertificate::pem).toList())
                && a.certificates().stream().map(ServedCertificate::name).toList()
                .equals(b.certificates().stream().map(ServedCertificate::name).toList());
    }

    /** Called holding the lock: the list replicas get, a new instance only when it changed. */
    private void update() {
        List<TlsCertificate> now = servable().values().stream()
                .map(c -> new TlsCertificate(c.name(), c.pem())).toList();
        if (!now.equals(distributed)) {
            distributed = now;
        }
        problems = files.problems();
    }

    private Map<String, ServedCertificate> servable() {
        Map<String, ServedCertificate> all = new TreeMap<>(acme);
        files.certificates().forEach(c -> all.put(c.name(), c));
        all.putAll(pushed);
        return all;
    }

    private void loadPushed(Path d) {
        CertificateFiles.Loaded kept = Files.isDirectory(d) ? CertificateFiles.directory(d)
                : CertificateFiles.Loaded.NONE;
        synchronized (this) {
            kept.certificates().forEach(c -> pushed.put(c.name(), c));
            update();
        }
        kept.problems().forEach(p -> LOG.warn("pushed certificate {} ({}) cannot be served: {}", p.name(),
                p.source(), p.reason()));
    }

    /** Writes {@code NAME.pem}, 0600, through a temporary file (0600 from its creation) renamed over the old one. */
    private static void write(Path d, String name, String pem) {
        try {
            if (!Files.isDirectory(d)) {
                Files.createDirectories(d);
                if (d.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
                }
            }
            Path temporary = Files.createTempFile(d, "." + name, ".tmp");
            try {
                Files.writeString(temporary, pem, StandardCharsets.ISO_8859_1);
                try {
                    Files.move(temporary, d.resolve(name + ".pem"), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, d.resolve(name + ".pem"), StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep certificate " + name + " in " + d + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
