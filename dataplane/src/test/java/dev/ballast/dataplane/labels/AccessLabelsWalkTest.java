package dev.ballast.dataplane.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.TestReplicas;
import dev.ballast.dataplane.labels.LabelWalk.Answer;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.labels.LabelTranslation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The labels that let a request in, turn it away or redirect it, walked through a running replica. */
class AccessLabelsWalkTest {

    /** {@code openssl passwd -6 -salt walksalt secret} */
    private static final String SECRET_HASH =
            "$6$walksalt$PNFNtQ.FjG9lmbFmh8RC1G0fpgS69bWOQASPQPcsWtUcQU3EkA.DYmwPc92g3Fp1olPkYsRICYpKJdeRKaqxe.";

    private LabelWalk walk;

    @BeforeEach
    void start() throws Exception {
        walk = new LabelWalk(1);
    }

    @AfterEach
    void stop() {
        walk.close();
    }

    @Test
    @Walks({"httpsOnly", "httpsRedirectCode"})
    void httpsOnlyRedirectsWithTheCodeAsked() throws Exception {
        walk.serve("servicePath=/", "port={port}", "httpsOnly=true", "httpsRedirectCode=308");
        Answer answer = walk.send("GET", "/a?b=1", "Host: walk.example");
        assertThat(answer.status()).isEqualTo(308);
        assertThat(answer.header("Location")).isEqualTo("https://walk.example/a?b=1");
    }

    @Test
    @Walks("denyHttp")
    void denyHttpRefusesPlainHttp() throws Exception {
        walk.serve("servicePath=/", "port={port}", "denyHttp=true");
        assertThat(walk.send("GET", "/").status()).isEqualTo(403);
    }

    @Test
    @Walks("redirectFromDomain")
    void redirectFromDomainSendsTheOldHostToTheNewOne() throws Exception {
        walk.serve("servicePath=/", "port={port}", "serviceDomain=new.example", "redirectFromDomain=old.example");
        Answer answer = walk.send("GET", "/page?q=1", "Host: old.example");
        assertThat(answer.status()).isEqualTo(301);
        assertThat(answer.header("Location")).isEqualTo("http://new.example/page?q=1");
        assertThat(walk.send("GET", "/page", "Host: new.example").status()).isEqualTo(200);
    }

    @Test
    @Walks({"allowedMethods", "deniedMethods"})
    void methodListsAnswer405WithAllow() throws Exception {
        walk.serve("servicePath.1=/a", "port.1={port}", "allowedMethods.1=GET,HEAD",
                "servicePath.2=/b", "port.2={port}", "deniedMethods.2=DELETE");
        assertThat(walk.send("GET", "/a").status()).isEqualTo(200);
        Answer refused = walk.send("POST", "/a");
        assertThat(refused.status()).isEqualTo(405);
        assertThat(refused.header("Allow")).contains("GET").doesNotContain("POST");
        assertThat(walk.send("POST", "/b").status()).isEqualTo(200);
        assertThat(walk.send("DELETE", "/b").status()).isEqualTo(405);
    }

    @Test
    @Walks("users")
    void usersAskForBasicAuthAndTheTaskNeverSeesTheCredentials() throws Exception {
        walk.serve("servicePath=/", "port={port}", "users=admin:s3cret");
        Answer refused = walk.send("GET", "/");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("WWW-Authenticate")).startsWith("Basic");
        assertThat(walk.send("GET", "/", basic("admin", "wrong")).status()).isEqualTo(401);
        Answer in = walk.send("GET", "/", basic("admin", "s3cret"));
        assertThat(in.status()).isEqualTo(200);
        assertThat(in.body()).doesNotContainIgnoringCase("Authorization");
    }

    @Test
    @Walks("usersPassEncrypted")
    void usersPassEncryptedReadsSha512CryptHashes() throws Exception {
        walk.serve("servicePath=/", "port={port}", "users=admin:" + SECRET_HASH, "usersPassEncrypted=true");
        assertThat(walk.send("GET", "/", basic("admin", "secret")).status()).isEqualTo(200);
        assertThat(walk.send("GET", "/", basic("admin", SECRET_HASH)).status()).isEqualTo(401);
    }

    @Test
    @Walks("usersSecret")
    void usersSecretIsReadByTheReplicaFromItsSecretsDirectory(@TempDir Path secrets) throws Exception {
        Path secret = Files.writeString(secrets.resolve("dfp_users_monitoring"), "ops:from-the-secret\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        try (LabelWalk own = new LabelWalk(1, c -> TestReplicas.withUsers(c, secrets, Optional.empty(), false))) {
            Route route = own.serve("servicePath=/", "port={port}", "usersSecret=monitoring");
            assertThat(RouteJson.write(route)).doesNotContain("from-the-secret"); // never in a snapshot
            assertThat(own.send("GET", "/").status()).isEqualTo(401);
            assertThat(own.send("GET", "/", basic("ops", "from-the-secret")).status()).isEqualTo(200);
        }
    }

    @Test
    @Walks("ignoreAuthorization")
    void ignoreAuthorizationOpensOneDestination() throws Exception {
        walk.serve("servicePath.1=/private", "port.1={port}", "servicePath.2=/public", "port.2={port}",
                "ignoreAuthorization.2=true", "users=admin:s3cret");
        assertThat(walk.send("GET", "/private").status()).isEqualTo(401);
        assertThat(walk.send("GET", "/public").status()).isEqualTo(200);
    }

    @Test
    @Walks("redirectWhenHttpProto")
    void redirectWhenHttpProtoFollowsTheForwardedProto() throws Exception {
        walk.serve("servicePath=/", "port={port}", "redirectWhenHttpProto=true");
        assertThat(walk.send("GET", "/", "X-Forwarded-Proto: http").status()).isEqualTo(302); // Docker Flow's code
        assertThat(walk.send("GET", "/", "X-Forwarded-Proto: https").status()).isEqualTo(200);
        assertThat(walk.send("GET", "/").status()).isEqualTo(200);
    }

    @Test
    @Walks("redirectUnlessHttpsProto")
    void redirectUnlessHttpsProtoRedirectsAnythingNotHttps() throws Exception {
        walk.serve("servicePath=/", "port={port}", "redirectUnlessHttpsProto=true");
        assertThat(walk.send("GET", "/").status()).isEqualTo(302);
        assertThat(walk.send("GET", "/", "X-Forwarded-Proto: https").status()).isEqualTo(200);
    }

    @Test
    @Walks("verifyClientSsl")
    void verifyClientSslIsRefusedRatherThanServedUnchecked() {
        LabelTranslation translation = LabelWalk.translate("servicePath=/", "port=80", "verifyClientSsl=true");
        assertThat(translation).isInstanceOfSatisfying(LabelTranslation.Invalid.class, invalid -> assertThat(
                invalid.errors()).anySatisfy(p -> assertThat(p.field()).isEqualTo("com.df.verifyClientSsl")));
    }

    static String basic(String user, String password) {
        return "Authorization: Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
