package dev.ballast.certificates;

import java.io.ByteArrayInputStream;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A certificate chain and its private key, checked: the key belongs to the first certificate and each certificate is
 * issued by the next. Immutable. Its {@link #toString()} never shows the key; {@link #pem()} does, for the one place
 * that needs it (the snapshot a replica pulls with a token).
 *
 * @param name the certificate's name
 * @param source where it came from (named in reports)
 * @param pem the PEM text it was read from: chain and key
 * @param chain the certificates, leaf first
 * @param key the leaf's private key
 * @param hosts the host names it serves: its DNS subjectAltNames (lower case), else its subject's CN
 */
public record ServedCertificate(String name, String source, String pem, List<X509Certificate> chain, PrivateKey key,
                                List<String> hosts) {

    public ServedCertificate {
        Objects.requireNonNull(name, "name");
        chain = List.copyOf(chain);
        hosts = List.copyOf(hosts);
    }

    /**
     * Reads and checks PEM text holding a chain and its key, in any order of blocks (the key may come first, as some
     * tools write it).
     *
     * @throws InvalidCertificateException with a reason an operator can act on
     */
    public static ServedCertificate parse(String name, String source, String pem) throws InvalidCertificateException {
        List<PemBlocks.Block> blocks = PemBlocks.read(pem);
        if (blocks.isEmpty()) {
            throw new InvalidCertificateException("not PEM: no -----BEGIN ...----- block");
        }
        List<X509Certificate> chain = new ArrayList<>();
        PrivateKey key = null;
        for (PemBlocks.Block block : blocks) {
            switch (block.type()) {
                case "CERTIFICATE" -> chain.add(certificate(block.der(), chain.size() + 1));
                case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY" -> {
                    if (key != null) {
                        throw new InvalidCertificateException("more than one private key");
                    }
                    key = PrivateKeys.read(block.type(), block.der());
                }
                default -> {
                    // EC PARAMETERS, DH PARAMETERS and the like: not needed
                }
            }
        }
        if (chain.isEmpty()) {
            throw new InvalidCertificateException("no CERTIFICATE block");
        }
        if (key == null) {
            throw new InvalidCertificateException("no private key (a PRIVATE KEY block, or NAME.key beside NAME.crt)");
        }
        checkKey(key, chain);
        checkOrder(chain);
        return new ServedCertificate(name, source, pem, chain, key, hostsOf(chain.get(0)));
    }

    /** The leaf certificate. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** What a status page shows at {@code now}: hosts, issuer, not-after, condition. */
    public CertificateReport report(Instant now) {
        CertificateCondition condition = CertificateReport.conditionOf(notAfter(), now);
        return new CertificateReport(name, source, hosts, leaf().getIssuerX500Principal().getName(), notAfter(),
                condition, condition == CertificateCondition.Expired ? "expired on " + notAfter() + "; still served"
                        : null);
    }

    /** Whether this serves {@code host}: one of its names exactly, or a wildcard name covering one label. */
    public boolean serves(String host) {
        return hosts.contains(host) || hosts.contains(wildcardOf(host));
    }

    /** {@code *.example.com} for {@code www.example.com}; null for a host of one label. */
    public static String wildcardOf(String host) {
        int dot = host.indexOf('.');
        return dot <= 0 ? null : "*" + host.substring(dot);
    }

    @Override
    public String toString() {
        return "ServedCertificate[" + name + " from " + source + ", hosts " + hosts + "]";
    }

    private static X509Certificate certificate(byte[] der, int number) throws InvalidCertificateException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new InvalidCertificateException("certificate " + number + " cannot be read: " + e.getMessage());
        }
    }

    private static void checkKey(PrivateKey key, List<X509Certificate> chain) throws InvalidCertificateException {
        if (PrivateKeys.matches(key, chain.get(0).getPublicKey())) {
            return;
        }
        for (int i = 1; i < chain.size(); i++) {
            if (PrivateKeys.matches(key, chain.get(i).getPublicKey())) {
                throw new InvalidCertificateException("chain in the wrong order: the key's certificate ("
                        + subject(chain.get(i)) + ") is number " + (i + 1) + "; it must come first");
            }
        }
        throw new InvalidCertificateException("the private key does not match the certificate ("
                + subject(chain.get(0)) + ")");
    }

    private static void checkOrder(List<X509Certificate> chain) throws InvalidCertificateException {
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate issued = chain.get(i);
            X509Certificate next = chain.get(i + 1);
            if (!issued.getIssuerX500Principal().equals(next.getSubjectX500Principal())) {
                throw new InvalidCertificateException("chain in the wrong order: certificate " + (i + 2) + " ("
                        + subject(next) + ") did not issue certificate " + (i + 1) + " (issued by "
                        + issued.getIssuerX500Principal().getName() + ")");
            }
        }
    }

    private static List<String> hostsOf(X509Certificate leaf) throws InvalidCertificateException {
        List<String> hosts = new ArrayList<>();
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> san : names) {
                    if (Integer.valueOf(2).equals(san.get(0))) { // dNSName
                        hosts.add(san.get(1).toString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new InvalidCertificateException("its subjectAltName cannot be read: " + e.getMessage());
        }
        if (hosts.isEmpty()) {
            String cn = commonName(leaf);
            if (cn != null) {
                hosts.add(cn.toLowerCase(Locale.ROOT));
            }
        }
        return hosts;
    }

    private static String commonName(X509Certificate certificate) {
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }

    private static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
