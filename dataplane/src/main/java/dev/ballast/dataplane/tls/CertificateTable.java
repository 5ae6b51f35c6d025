package dev.ballast.dataplane.tls;

import dev.ballast.certificates.CertificateReport;
import dev.ballast.certificates.ServedCertificate;
import io.netty.handler.ssl.SslContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The certificates a replica serves, by host name: immutable, replaced whole when a certificate changes (a handshake
 * reads the table once; connections already up keep what they negotiated). A server name is looked up exactly, then
 * as the wildcard covering it ({@code *.example.com} for {@code www.example.com}), else the default certificate is
 * served. Where several certificates name one host, the one valid longest wins: a renewed certificate takes over from
 * the one it renews.
 */
public final class CertificateTable {

    /** A certificate and the TLS context that serves it. */
    record Entry(ServedCertificate certificate, SslContext context) {
    }

    public static final CertificateTable EMPTY = new CertificateTable(List.of(), null, List.of());

    private final List<Entry> entries;
    private final Map<String, Entry> byHost = new HashMap<>();
    private final Entry fallback;
    private final List<CertificateReport> problems;

    /**
     * @param entries the servable certificates, sorted by name
     * @param fallback the default one (one of {@code entries}), or null when there is none
     * @param problems the certificates skipped, each saying why
     */
    CertificateTable(List<Entry> entries, Entry fallback, List<CertificateReport> problems) {
        this.entries = List.copyOf(entries);
        this.fallback = fallback;
        this.problems = List.copyOf(problems);
        for (Entry entry : entries) {
            for (String host : entry.certificate().hosts()) {
                byHost.merge(host, entry, (a, b) -> b.certificate().notAfter().isAfter(a.certificate().notAfter())
                        ? b : a);
            }
        }
    }

    /** The context for a ClientHello naming {@code serverName} (null: it named none); null when nothing serves it. */
    public SslContext select(String serverName) {
        Entry entry = entryFor(serverName);
        return entry == null ? null : entry.context();
    }

    /** The certificate a ClientHello naming {@code serverName} gets; null when there is none. */
    public ServedCertificate certificateFor(String serverName) {
        Entry entry = entryFor(serverName);
        return entry == null ? null : entry.certificate();
    }

    private Entry entryFor(String serverName) {
        if (serverName == null) {
            return fallback;
        }
        String host = serverName.toLowerCase(Locale.ROOT);
        Entry entry = byHost.get(host);
        if (entry == null) {
            String wildcard = ServedCertificate.wildcardOf(host);
            entry = wildcard == null ? null : byHost.get(wildcard);
        }
        return entry == null ? fallback : entry;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The certificates served, then those skipped, as status pages show them at {@code now}. */
    public List<CertificateReport> reports(Instant now) {
        List<CertificateReport> reports = new ArrayList<>();
        entries.forEach(e -> reports.add(e.certificate().report(now)));
        reports.addAll(problems);
        return reports;
    }

    /** The certificates served. */
    public List<ServedCertificate> certificates() {
        return entries.stream().map(Entry::certificate).toList();
    }

    /** The default certificate's name, or null. */
    public String defaultName() {
        return fallback == null ? null : fallback.certificate().name();
    }
}
