package dev.ballast.certificates;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateFilesTest {

    @TempDir
    Path tmp;

    @Test
    void aDirectoryHoldsPemFilesAndCrtKeyPairs_aBadFileIsReportedAndSkipped() throws Exception {
        TestCa ca = TestCa.create(tmp.resolve("ca"), "Test CA");
        Path dir = Files.createDirectories(tmp.resolve("certs"));
        ca.issue("one.example.com").writePem(dir, "one");
        TestCa.Issued two = ca.issue("two.example.com");
        Files.writeString(dir.resolve("two.crt"), two.certificatePem());
        Files.writeString(dir.resolve("two.key"), two.keyPem());
        Files.writeString(dir.resolve("broken.pem"), "not a certificate");
        Files.writeString(dir.resolve("lonely.key"), two.keyPem());
        Files.writeString(dir.resolve("README.txt"), "ignored");

        CertificateFiles.Loaded loaded = CertificateFiles.directory(dir);

        assertThat(loaded.certificates()).extracting(ServedCertificate::name).containsExactly("one", "two");
        assertThat(loaded.certificates().get(0).source()).isEqualTo(dir.resolve("one.pem").toString());
        assertThat(loaded.problems()).extracting(CertificateReport::name, CertificateReport::source,
                        CertificateReport::reason)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("broken", dir.resolve("broken.pem").toString(),
                                "not PEM: no -----BEGIN ...----- block"),
                        org.assertj.core.groups.Tuple.tuple("lonely", dir.resolve("lonely.key").toString(),
                                "a key without its certificate: lonely.crt is missing"));
        assertThat(loaded.problems()).allMatch(p -> p.condition() == CertificateCondition.Invalid);
    }

    @Test
    void dockerSecretsNamedCertAreCertificates() throws Exception {
        TestCa ca = TestCa.create(tmp.resolve("ca"), "Test CA");
        Path secrets = Files.createDirectories(tmp.resolve("secrets"));
        Files.writeString(secrets.resolve("cert-shop"), ca.issue("shop.example.com").pem());
        Files.writeString(secrets.resolve("cert_blog"), ca.issue("blog.example.com").pem());
        Files.writeString(secrets.resolve("dfp_users"), "admin:secret");

        CertificateFiles.Loaded loaded = CertificateFiles.secrets(secrets);

        assertThat(loaded.certificates()).extracting(ServedCertificate::name)
                .containsExactly("cert-shop", "cert_blog");
        assertThat(loaded.problems()).isEmpty();
        assertThat(CertificateFiles.secrets(tmp.resolve("absent"))).isEqualTo(CertificateFiles.Loaded.NONE);
    }
}
