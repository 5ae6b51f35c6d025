package dev.ballast.certificates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ServedCertificateTest {

    @TempDir
    static Path dir;
    static TestCa ca;
    static TestCa otherCa;

    @BeforeAll
    static void makeCas() throws IOException {
        ca = TestCa.create(dir.resolve("ca"), "Ballast Test CA");
        otherCa = TestCa.create(dir.resolve("other"), "Other CA");
    }

    @ParameterizedTest
    @EnumSource(TestCa.KeyForm.class)
    void readsEveryKeyFormToolsWrite(TestCa.KeyForm form) throws Exception {
        Instant now = Instant.now();
        TestCa.Issued issued = ca.issue(form, now.minus(1, ChronoUnit.HOURS), now.plus(30, ChronoUnit.DAYS),
                "app.example.com", "*.api.example.com");
        ServedCertificate served = ServedCertificate.parse("app", "app.pem", issued.pem());
        assertThat(served.hosts()).containsExactly("app.example.com", "*.api.example.com");
        assertThat(served.report(now).condition()).isEqualTo(CertificateCondition.Valid);
        assertThat(served.report(now).issuer()).contains("Ballast Test CA");
    }

    @Test
    void theKeyMayComeBeforeTheChain() throws Exception {
        TestCa.Issued issued = ca.issue("a.example.com");
        assertThat(ServedCertificate.parse("a", "a.pem", issued.keyPem() + issued.certificatePem()).hosts())
                .containsExactly("a.example.com");
    }

    @Test
    void servesItsHostsAndOneLabelUnderAWildcard() throws Exception {
        ServedCertificate served = ServedCertificate.parse("w", "w.pem",
                ca.issue("example.com", "*.example.com").pem());
        assertThat(served.serves("example.com")).isTrue();
        assertThat(served.serves("www.example.com")).isTrue();
        assertThat(served.serves("a.b.example.com")).isFalse();
        assertThat(served.serves("example.org")).isFalse();
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        TestCa.Issued one = ca.issue("one.example.com");
        TestCa.Issued two = ca.issue("two.example.com");
        assertThatThrownBy(() -> ServedCertificate.parse("one", "one.pem", one.certificatePem() + two.keyPem()))
                .isInstanceOf(InvalidCertificateException.class)
                .hasMessage("the private key does not match the certificate (CN=one.example.com)");
    }

    @Test
    void theKeysCertificateMustComeFirst() throws Exception {
        TestCa.Issued leaf = ca.issue("leaf.example.com");
        String wrongOrder = ca.rootPem() + leaf.certificatePem() + leaf.keyPem();
        assertThatThrownBy(() -> ServedCertificate.parse("leaf", "leaf.pem", wrongOrder))
                .hasMessage("chain in the wrong order: the key's certificate (CN=leaf.example.com) is number 2;"
                        + " it must come first");
    }

    @Test
    void eachCertificateMustBeIssuedByTheNext() throws Exception {
        TestCa.Issued leaf = ca.issue("leaf.example.com");
        String foreignIssuer = leaf.certificatePem() + otherCa.rootPem() + leaf.keyPem();
        assertThatThrownBy(() -> ServedCertificate.parse("leaf", "leaf.pem", foreignIssuer))
                .hasMessage("chain in the wrong order: certificate 2 (CN=Other CA) did not issue certificate 1"
                        + " (issued by CN=Ballast Test CA)");
        assertThat(ServedCertificate.parse("leaf", "leaf.pem", leaf.certificatePem() + ca.rootPem() + leaf.keyPem())
                .chain()).hasSize(2);
    }

    @Test
    void whatIsNotACertificateSaysWhy() throws Exception {
        TestCa.Issued issued = ca.issue("x.example.com");
        assertThatThrownBy(() -> ServedCertificate.parse("x", "x.pem", "hello, world"))
                .hasMessage("not PEM: no -----BEGIN ...----- block");
        assertThatThrownBy(() -> ServedCertificate.parse("x", "x.pem", issued.certificatePem()))
                .hasMessageStartingWith("no private key");
        assertThatThrownBy(() -> ServedCertificate.parse("x", "x.pem", issued.keyPem()))
                .hasMessage("no CERTIFICATE block");
        assertThatThrownBy(() -> ServedCertificate.parse("x", "x.pem", issued.pem() + issued.keyPem()))
                .hasMessage("more than one private key");
        String encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAA==\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assertThatThrownBy(() -> ServedCertificate.parse("x", "x.pem", issued.certificatePem() + encrypted))
                .hasMessageStartingWith("the private key is encrypted");
        String broken = issued.certificatePem().replace("MI", "M!");
        assertThatThrownBy(() -> ServedCertificate.parse("x", "x.pem", broken + issued.keyPem()))
                .hasMessageStartingWith("PEM block 1 (CERTIFICATE) is not valid base64");
        String truncated = "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n";
        assertThatThrownBy(() -> ServedCertificate.parse("x", "x.pem", truncated + issued.keyPem()))
                .hasMessageStartingWith("certificate 1 cannot be read");
    }

    @Test
    void expiredAndExpiringCertificatesAreServedWithACondition() throws Exception {
        Instant now = Instant.now();
        ServedCertificate expired = ServedCertificate.parse("old", "old.pem", ca.issue(TestCa.KeyForm.EC,
                now.minus(100, ChronoUnit.DAYS), now.minus(10, ChronoUnit.DAYS), "old.example.com").pem());
        assertThat(expired.report(now).condition()).isEqualTo(CertificateCondition.Expired);
        assertThat(expired.report(now).reason()).startsWith("expired on ");
        ServedCertificate expiring = ServedCertificate.parse("soon", "soon.pem", ca.issue(TestCa.KeyForm.EC,
                now.minus(80, ChronoUnit.DAYS), now.plus(5, ChronoUnit.DAYS), "soon.example.com").pem());
        assertThat(expiring.report(now).condition()).isEqualTo(CertificateCondition.Expiring);
        assertThat(expiring.report(now.minus(30, ChronoUnit.DAYS)).condition())
                .isEqualTo(CertificateCondition.Valid);
    }

    @Test
    void itsTextNeverShowsTheKey() throws Exception {
        TestCa.Issued issued = ca.issue("secret.example.com");
        ServedCertificate served = ServedCertificate.parse("secret", "secret.pem", issued.pem());
        assertThat(served.toString()).doesNotContain("PRIVATE").doesNotContain(issued.keyPem().substring(40, 80))
                .contains("secret.example.com");
        assertThat(served.report(Instant.now()).toString()).doesNotContain("PRIVATE");
    }
}
