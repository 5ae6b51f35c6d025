package dev.ballast.dataplane.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Vectors made with glibc's crypt(3) (through Python's crypt module), independently of this code. */
class Sha512CryptTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "change-me | $6$ballastexample$eAuA3XLwdbTYgCre6aEvsjBw0sDTTmmgwJgl4mp1msTAY49k.uQO.63I7MEwun11..ckDxyJao2XkRHRpH9NY1",
        "secret    | $6$saltstring$AIsRs/Ee56G/tC8MEHhvReZTfx8u3rXXMl6eYrjCG9ibix19DxoMBLogdTET5Ukw9Sf7eZTITsuk0Ry5qulYz.",
        "''        | $6$x$QSmr1Bx2g4O6BzKvdkgOcyU6H91X6I/XBv5pSalMhSPkwdH6Beo3F455xZJg0v//bxVK5F4OE5k1.0xuR26MK0",
        "pässwörd  | $6$abcdefghijklmnop$Z142AM4CbyHnvFikRKauX.vgsnvjYLvt4bZlZZZrlgVhDW0zltnUun6G9I5xvVirZ/Y9MRz96lJh5eoUicidR.",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | $6$longpw$Vnmg3FFOVny3YiifIAATkVXXmfMF4RRaTnj9Br7IlK2ooBtaPDeIpsP6wiZgi3Oob8tVASboak6JU9DX.da0n/",
        "Hello world! | $6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
    })
    void matchesGlibc(String password, String hash) {
        assertThat(Sha512Crypt.matches(password, hash)).isTrue();
        assertThat(Sha512Crypt.matches(password + "x", hash)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Hello world! | toolongsaltstring | $6$rounds=5000$toolongsaltstrin$iGlL7EUUfzNQx59x3ydJZ.zXPMUu1dOynSEl/vcNhLlas77qD0DzRswhhB6LdrXTz250at0syAfUXra.XrxAI1",
    })
    void truncatesLongSalts(String password, String salt, String expected) {
        assertThat(Sha512Crypt.crypt(password, salt, Optional.of(5000))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"secret | plain", "secret | $1$md5$x", "secret | $6$saltstring$short"})
    void otherFormatsNeverMatch(String password, String hash) {
        assertThat(Sha512Crypt.matches(password, hash)).isFalse();
    }
}
