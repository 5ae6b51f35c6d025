package dev.ballast.dataplane.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteLoader;
import dev.ballast.schema.RouteSpec;
import dev.ballast.schema.Rule;
import dev.ballast.schema.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where users come from: the global list, the secrets rules name, and what happens when either is wrong. */
class UserDirectoryTest {

    private static final String HASH =
            "$6$ballastexample$eAuA3XLwdbTYgCre6aEvsjBw0sDTTmmgwJgl4mp1msTAY49k.uQO.63I7MEwun11..ckDxyJao2XkRHRpH9NY1";

    @TempDir
    Path secrets;

    private static Snapshot snapshot(String rules) {
        return Snapshot.of(RouteLoader.parse("r.yaml", """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: web }
                spec:
                  service: web
                  rules:
                %s""".formatted(rules.indent(4))).routes().stream().map(LoadedRoute::route).toList(), List.of());
    }

    private static Credentials rule(UserDirectory.Resolved resolved, Snapshot snapshot, int index) {
        return resolved.of(snapshot.routes().get(0), index);
    }

    private static List<String> names(Credentials c) {
        return c.users().stream().map(Rule.User::name).toList();
    }

    @Test
    void theGlobalUsersGuardEveryRuleWithoutAuthOfItsOwnUnlessDisabled() {
        UserDirectory users = UserDirectory.load(secrets, Optional.of("admin:a1, ops:o1"), false);
        Snapshot s = snapshot("""
                - { port: 80, paths: [/open] }
                - { port: 80, paths: [/ignored], auth: { disabled: true } }
                - { port: 80, paths: [/own], auth: { users: [{ name: dev, password: d1 }] } }
                """);
        UserDirectory.Resolved resolved = users.resolve(s);
        assertThat(rule(resolved, s, 0)).isEqualTo(Credentials.of("web", List.of(
                new Rule.User("admin", "a1", null), new Rule.User("ops", "o1", null))));
        assertThat(rule(resolved, s, 1)).isEqualTo(Credentials.NONE);
        assertThat(names(rule(resolved, s, 2))).as("its own users replace the global ones").containsExactly("dev");
        assertThat(resolved.problems()).isEmpty();
    }

    @Test
    void withoutGlobalUsersARuleWithoutAuthIsOpen() {
        Snapshot s = snapshot("- { port: 80 }");
        assertThat(rule(UserDirectory.load(secrets, Optional.empty(), false).resolve(s), s, 0))
                .isEqualTo(Credentials.NONE);
        assertThat(rule(UserDirectory.load(secrets, Optional.of("  "), false).resolve(s), s, 0))
                .isEqualTo(Credentials.NONE);
    }

    @Test
    void theDfpUsersSecretWinsOverUsers() throws IOException {
        Files.writeString(secrets.resolve("dfp_users"), "fromfile:" + HASH + "\n");
        UserDirectory users = UserDirectory.load(secrets, Optional.of("fromenv:x"), true);
        Snapshot s = snapshot("- { port: 80 }");
        assertThat(rule(users.resolve(s), s, 0).users()).containsExactly(new Rule.User("fromfile", null, HASH));
    }

    @Test
    void aBadGlobalEntryStopsTheReplicaNamingTheEntryNeverThePassword() throws IOException {
        assertThatThrownBy(() -> UserDirectory.load(secrets, Optional.of("admin:a1,hunter2"), false))
                .isInstanceOf(UserDirectory.InvalidUsersException.class)
                .hasMessage("the global users are unusable: USERS entry 2: expected name:password")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> UserDirectory.load(secrets, Optional.of(":hunter2"), false))
                .hasMessage("the global users are unusable: USERS entry 1: the user name is empty (expected name:password)");
        assertThatThrownBy(() -> UserDirectory.load(secrets, Optional.of("a:1\nb:"), false))
                .hasMessage("the global users are unusable: USERS entry 2: user \"b\" has an empty password");
        assertThatThrownBy(() -> UserDirectory.load(secrets, Optional.of("a:1,a:2"), false))
                .hasMessage("the global users are unusable: USERS entry 2: user \"a\" appears twice");
        assertThatThrownBy(() -> UserDirectory.load(secrets, Optional.of("ops:hunter2"), true))
                .hasMessageStartingWith("the global users are unusable: USERS entry 1: the password of user \"ops\" "
                        + "is not a SHA-512 crypt hash")
                .hasMessageNotContaining("hunter2");
        Path file = secrets.resolve("dfp_users");
        Files.writeString(file, "ok:1\n\nhunter2\n");
        assertThatThrownBy(() -> UserDirectory.load(secrets, Optional.empty(), false))
                .hasMessage("the global users are unusable: " + file + " entry 2: expected name:password");
        Files.writeString(file, "\n \n");
        assertThatThrownBy(() -> UserDirectory.load(secrets, Optional.of("a:1"), false))
                .as("an empty secret still wins, and protects nothing: refused")
                .hasMessage("the global users are unusable: " + file + ": names no users");
    }

    @Test
    void aUsersSecretIsReadByTheReplica() throws IOException {
        Files.writeString(secrets.resolve("dfp_users_monitoring"), "grafana:g1,prom:p1\n");
        Snapshot s = snapshot("""
                - { port: 80, paths: [/all], auth: { usersSecret: monitoring } }
                - { port: 80, paths: [/some], auth: { usersSecret: monitoring, users: [{ name: Grafana }, { name: x, password: x1 }] } }
                """);
        UserDirectory.Resolved resolved = UserDirectory.load(secrets, Optional.of("other:o"), false).resolve(s);
        assertThat(rule(resolved, s, 0).users()).containsExactly(new Rule.User("grafana", "g1", null),
                new Rule.User("prom", "p1", null));
        assertThat(rule(resolved, s, 1).users()).as("only the users named, their passwords from the secret")
                .containsExactly(new Rule.User("Grafana", "g1", null), new Rule.User("x", "x1", null));
        assertThat(resolved.problems()).isEmpty();
    }

    @Test
    void usersWithoutAPasswordTakeItFromTheGlobalUsersWithoutAUsersSecret() {
        Snapshot s = snapshot("- { port: 80, auth: { users: [{ name: admin }, { name: ghost }] } }");
        UserDirectory.Resolved resolved = UserDirectory.load(secrets, Optional.of("admin:" + HASH), true).resolve(s);
        assertThat(rule(resolved, s, 0).users()).containsExactly(new Rule.User("admin", null, HASH));
        assertThat(resolved.problems()).containsExactly("route web, rule 0: user \"ghost\" has no password and is not "
                + "in the global users (USERS); that user cannot log in");

        UserDirectory.Resolved none = UserDirectory.load(secrets, Optional.empty(), false).resolve(s);
        assertThat(rule(none, s, 0)).as("fails closed").isEqualTo(Credentials.of("web", List.of()));
        assertThat(none.problems()).contains("route web, rule 0: no user has a password; the rule answers 401 to "
                + "everyone");
    }

    @Test
    void aMissingOrInvalidSecretFailsTheRuleClosedAndSaysWhere() throws IOException {
        Snapshot s = snapshot("""
                - { port: 80, paths: [/a], auth: { usersSecret: missing } }
                - { port: 80, paths: [/b], auth: { usersSecret: bad, users: [{ name: x, password: x1 }] } }
                - { port: 80, paths: [/c], auth: { usersSecret: hashed, usersSecretHashed: true } }
                - { port: 80, paths: [/d] }
                """);
        Files.writeString(secrets.resolve("dfp_users_bad"), "fine:1,hunter2");
        Files.writeString(secrets.resolve("dfp_users_hashed"), "ops:hunter2");
        UserDirectory.Resolved resolved = UserDirectory.load(secrets, Optional.empty(), false).resolve(s);
        for (int i = 0; i < 3; i++) {
            assertThat(rule(resolved, s, i)).as("rule " + i).isEqualTo(Credentials.of("web", List.of()));
        }
        assertThat(rule(resolved, s, 3)).as("the other rules are untouched").isEqualTo(Credentials.NONE);
        Path dir = secrets.toAbsolutePath().normalize();
        assertThat(resolved.problems()).containsExactly(
                "route web, rule 0: auth.usersSecret \"missing\" (com.df.usersSecret): " + dir.resolve("dfp_users_missing")
                        + " not found; the rule answers 401 to everyone",
                "route web, rule 1: auth.usersSecret \"bad\" (com.df.usersSecret): " + dir.resolve("dfp_users_bad")
                        + " entry 2: expected name:password; the rule answers 401 to everyone",
                "route web, rule 2: auth.usersSecret \"hashed\" (com.df.usersSecret): " + dir.resolve("dfp_users_hashed")
                        + " entry 1: the password of user \"ops\" is not a SHA-512 crypt hash ($6$salt$hash, as made by "
                        + "mkpasswd -m sha-512), and the passwords are said to be; the rule answers 401 to everyone");
        assertThat(String.join("\n", resolved.problems())).doesNotContain("hunter2");
    }

    @Test
    void aSecretNameCannotLeaveTheSecretsDirectory() throws IOException {
        // a snapshot is validated by the controller; the replica checks again, in case one was not. The files a
        // careless join could reach exist, and are not read.
        Path inner = Files.createDirectories(secrets.resolve("run"));
        Files.writeString(secrets.resolve("x"), "escaped:e1");
        Files.writeString(inner.resolve("x"), "escaped:e1");
        Files.createDirectories(inner.resolve("dfp_users_a"));
        Files.writeString(inner.resolve("dfp_users_a").resolve("b"), "escaped:e1");
        UserDirectory users = UserDirectory.load(inner, Optional.empty(), false);
        for (String name : List.of("../x", "a/b", "..", ".", "/etc/passwd", "x\u0000")) {
            Rule rule = new Rule(null, null, null, null, null, null, null, null, 80, null, null, null, null,
                    new Rule.Auth(null, List.of(), name, false, false), null, false, null, null, false);
            Snapshot s = Snapshot.of(List.of(Route.of("web", RouteSpec.forService("web", List.of(rule)))), List.of());
            UserDirectory.Resolved resolved = users.resolve(s);
            assertThat(resolved.of(s.routes().get(0), 0)).as(name).isEqualTo(Credentials.of("web", List.of()));
            assertThat(resolved.problems()).as(name).singleElement().asString()
                    .contains("not a secret name").contains("the rule answers 401 to everyone");
        }
    }

    @Test
    void aSecretIsReadAgainForEachSnapshot() throws IOException {
        Path file = secrets.resolve("dfp_users_team");
        Files.writeString(file, "dev:old");
        UserDirectory users = UserDirectory.load(secrets, Optional.empty(), false);
        Snapshot s = snapshot("- { port: 80, auth: { usersSecret: team } }");
        assertThat(rule(users.resolve(s), s, 0).users()).containsExactly(new Rule.User("dev", "old", null));
        Files.writeString(file, "dev:new");
        assertThat(rule(users.resolve(s), s, 0).users()).containsExactly(new Rule.User("dev", "new", null));
        Files.delete(file);
        assertThat(rule(users.resolve(s), s, 0).users()).as("gone: nobody").isEmpty();
    }

    @Test
    void credentialsNeverPrintTheirPasswords() {
        Credentials c = Credentials.of("web", List.of(new Rule.User("ops", "hunter2", null)));
        assertThat(c.toString()).doesNotContain("hunter2").contains("1 user");
    }
}
