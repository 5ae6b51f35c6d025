package dev.ballast.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigResolverTest {

    @TempDir
    Path dir;

    private static final String DATAPLANE = "dataplane";

    private ResolvedConfig resolve(Optional<Path> file, Map<String, String> env, Map<String, String> flags)
            throws ConfigException {
        return ConfigResolver.resolve(DATAPLANE, DataplaneConfig.SETTINGS, file, env, flags);
    }

    @Test
    void defaultsApplyWhenNothingIsGiven() throws Exception {
        ResolvedConfig c = resolve(Optional.empty(), Map.of(), Map.of());
        assertThat(c.get(DataplaneConfig.TIMEOUT_SERVER)).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.origin(DataplaneConfig.TIMEOUT_SERVER)).isEqualTo("default");
        assertThat(c.find(DataplaneConfig.STATE_DIR)).isEmpty();
    }

    @Test
    void eachLayerOverridesTheOneBelow() throws Exception {
        Path file = write("dataplane:\n  timeoutServer: 30s\n  timeoutClient: 40s\n  timeoutTunnel: 50s\n");
        ResolvedConfig c = resolve(Optional.of(file),
                Map.of("TIMEOUT_CLIENT", "41", "TIMEOUT_TUNNEL", "51"),
                Map.of("timeoutTunnel", "52s"));
        assertThat(c.get(DataplaneConfig.TIMEOUT_SERVER)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.origin(DataplaneConfig.TIMEOUT_SERVER)).isEqualTo(file + ":2 dataplane.timeoutServer");
        assertThat(c.get(DataplaneConfig.TIMEOUT_CLIENT)).isEqualTo(Duration.ofSeconds(41));
        assertThat(c.origin(DataplaneConfig.TIMEOUT_CLIENT)).isEqualTo("TIMEOUT_CLIENT (environment)");
        assertThat(c.get(DataplaneConfig.TIMEOUT_TUNNEL)).isEqualTo(Duration.ofSeconds(52));
        assertThat(c.origin(DataplaneConfig.TIMEOUT_TUNNEL)).isEqualTo("--timeout-tunnel (command line)");
    }

    @Test
    void ballastNameWinsOverTheDockerFlowName() throws Exception {
        ResolvedConfig c = resolve(Optional.empty(),
                Map.of("TIMEOUT_SERVER", "10", "BALLAST_TIMEOUT_SERVER", "11s"), Map.of());
        assertThat(c.get(DataplaneConfig.TIMEOUT_SERVER)).isEqualTo(Duration.ofSeconds(11));
    }

    @Test
    void badValuesNameTheSettingAndItsOriginAllAtOnce() throws IOException {
        Path file = write("dataplane:\n  listen: nowhere\n");
        assertThatThrownBy(() -> resolve(Optional.of(file), Map.of("TIMEOUT_SERVER", "abc"),
                Map.of("maxHeaderSize", "huge")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        file + ":2 dataplane.listen: \"nowhere\" is not host:port (e.g. 0.0.0.0:8080, [::1]:80, :80)",
                        "TIMEOUT_SERVER (environment): \"abc\" is not a duration (expected e.g. 500ms, 30s, 5m, 1h, "
                                + "or a number of seconds)",
                        "--max-header-size (command line): \"huge\" is not a size (expected e.g. 8192, 64KiB, 1MiB, 10MB)"));
    }

    @Test
    void unknownKeysAndSectionsInTheFileAreErrorsWithSuggestions() throws IOException {
        Path file = write("dataplane:\n  timoutServer: 5s\ncontroler:\n  listen: :1\n");
        assertThatThrownBy(() -> resolve(Optional.of(file), Map.of(), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        file + ":2: dataplane.timoutServer: unknown setting (did you mean \"timeoutServer\"?)",
                        file + ":3: controler: unknown section (did you mean \"controller\"?)"));
    }

    @Test
    void otherProcessesSectionsAreLeftAlone() throws Exception {
        Path file = write("controller:\n  listen: 127.0.0.1:9999\ndataplane:\n  listen: 127.0.0.1:8000\n");
        assertThat(resolve(Optional.of(file), Map.of(), Map.of()).get(DataplaneConfig.LISTEN))
                .isEqualTo(java.util.List.of(new HostPort("127.0.0.1", 8000)));
    }

    @Test
    void brokenYamlGivesTheLine() throws IOException {
        Path file = write("dataplane:\n  listen: [\n");
        assertThatThrownBy(() -> resolve(Optional.of(file), Map.of(), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e ->
                        assertThat(e.problems()).singleElement().asString().startsWith(file + ":3: "));
    }

    @Test
    void yamlListsFeedListSettings() throws Exception {
        Path file = write("dataplane:\n  controllers: [http://a:8080, http://b:8080]\n");
        ResolvedConfig c = resolve(Optional.of(file), Map.of(), Map.of());
        assertThat(c.get(DataplaneConfig.CONTROLLERS)).extracting(Object::toString)
                .containsExactly("http://a:8080", "http://b:8080");
    }

    @Test
    void aDataplaneNeedsExactlyOneSourceOfRoutes() throws Exception {
        ResolvedConfig neither = resolve(Optional.empty(), Map.of(), Map.of());
        assertThatThrownBy(() -> DataplaneConfig.from(neither, "host"))
                .hasMessageContaining("--controller").hasMessageContaining("--routes");
        ResolvedConfig both = resolve(Optional.empty(), Map.of("BALLAST_CONTROLLERS", "http://c:8080"),
                Map.of("routes", "/routes"));
        assertThatThrownBy(() -> DataplaneConfig.from(both, "host")).hasMessageContaining("exclude each other");
        DataplaneConfig standalone = DataplaneConfig.from(
                resolve(Optional.empty(), Map.of(), Map.of("routes", "/routes")), "host-1");
        assertThat(standalone.routes()).contains(Path.of("/routes"));
        assertThat(standalone.replicaId()).isEqualTo("host-1");
    }

    @Test
    void dockerFlowsPortVariablesAreTheListenersWhenNoListenerIsConfigured() throws Exception {
        Map<String, String> env = Map.of("DEFAULT_PORTS", "80,443:ssl", "BIND_PORTS", " 8085, 8443:ssl");
        DataplaneConfig c = DataplaneConfig.from(resolve(Optional.empty(), env, Map.of("routes", "/routes")), env,
                "host");
        assertThat(c.listen()).extracting(HostPort::toString).containsExactly("0.0.0.0:80", "0.0.0.0:8085");
        assertThat(c.tls().listen()).extracting(HostPort::toString).containsExactly("0.0.0.0:443", "0.0.0.0:8443");

        Map<String, String> bindOnly = Map.of("BIND_PORTS", "8085");
        DataplaneConfig withDefaults = DataplaneConfig.from(resolve(Optional.empty(), bindOnly,
                Map.of("routes", "/routes")), bindOnly, "host");
        assertThat(withDefaults.listen()).extracting(HostPort::toString).containsExactly("0.0.0.0:80", "0.0.0.0:8085");
        assertThat(withDefaults.tls().listen()).extracting(HostPort::toString).containsExactly("0.0.0.0:443");
    }

    @Test
    void dockerFlowsPortVariablesThatAreBadOrBesideAListenerFlagAreRefusedByName() throws Exception {
        Map<String, String> bad = Map.of("BIND_PORTS", "8085,443:ssl crt /certs");
        assertThatThrownBy(() -> DataplaneConfig.from(resolve(Optional.empty(), bad, Map.of("routes", "/routes")),
                bad, "host")).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                .containsExactly("BIND_PORTS (environment): \"443:ssl crt /certs\" is not PORT or PORT:ssl (HAProxy "
                        + "bind options have no equivalent here; TLS settings are fixed)"));
        Map<String, String> env = Map.of("DEFAULT_PORTS", "80");
        assertThatThrownBy(() -> DataplaneConfig.from(resolve(Optional.empty(), env,
                Map.of("routes", "/routes", "listen", "127.0.0.1:8000")), env, "host"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "DEFAULT_PORTS/BIND_PORTS (environment) and --listen (--listen (command line)) both say "
                                + "where to listen: keep one"));
    }

    @Test
    void trafficThreadsDefaultToOnePerCoreAndMustBePositive() throws Exception {
        DataplaneConfig byDefault = DataplaneConfig.from(
                resolve(Optional.empty(), Map.of(), Map.of("routes", "/routes")), "host");
        assertThat(byDefault.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        DataplaneConfig one = DataplaneConfig.from(
                resolve(Optional.empty(), Map.of("BALLAST_THREADS", "1"), Map.of("routes", "/routes")), "host");
        assertThat(one.threads()).isEqualTo(1);
        assertThatThrownBy(() -> resolve(Optional.empty(), Map.of(), Map.of("threads", "0")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "--threads (command line): 0 is out of range (1-1024)"));
    }

    @Test
    void controllerReadsDockerFlowNames() throws Exception {
        ControllerConfig c = ControllerConfig.from(ConfigResolver.resolve("controller", ControllerConfig.SETTINGS,
                Optional.empty(), Map.of("DF_NOTIFY_LABEL", "com.example.proxy", "DOCKER_HOST", "tcp://127.0.0.1:2375",
                        "HTTPS_ONLY", "true"), Map.of()));
        assertThat(c.notifyLabel()).isEqualTo("com.example.proxy");
        assertThat(c.dockerHost()).isEqualTo("tcp://127.0.0.1:2375");
        assertThat(c.httpsOnly()).isTrue();
        assertThat(c.resyncInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.routesDir()).isEmpty();
    }

    @Test
    void dataplaneReadsDockerFlowsUsersAndCompression() throws Exception {
        DataplaneConfig c = DataplaneConfig.from(resolve(Optional.empty(), Map.of("USERS", "admin:s3cret",
                "USERS_PASS_ENCRYPTED", "true", "COMPRESSION_ALGO", "GZIP deflate",
                "COMPRESSION_TYPE", "text/html text/plain application/json", "PROXY_INSTANCE_NAME", "ignored-here"),
                Map.of("routes", "/routes")), "r1");
        assertThat(c.users()).contains("admin:s3cret");
        assertThat(c.usersPassEncrypted()).isTrue();
        assertThat(c.compression().algorithms()).containsExactly("gzip", "deflate");
        assertThat(c.compression().types()).containsExactly("text/html", "text/plain", "application/json");
        assertThat(c.secretsDir()).isEqualTo(Path.of("/run/secrets"));
        assertThat(c.errorPages()).isEmpty();
    }

    @Test
    void compressionIsOffByDefaultAndAnUnknownCodingIsNamed() {
        assertThatThrownBy(() -> resolve(Optional.empty(), Map.of("COMPRESSION_ALGO", "gzip lz4",
                "COMPRESSION_TYPE", "html"), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).contains(
                        "COMPRESSION_ALGO (environment): \"lz4\" is not one of gzip, deflate",
                        "COMPRESSION_TYPE (environment): \"html\" is not a media type (type/subtype)"));
    }

    @Test
    void aBadUsersValueNeverQuotesIt() {
        assertThatThrownBy(() -> resolve(Optional.empty(), Map.of("USERS", "  "), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("USERS (environment): must not be empty"));
    }

    @Test
    void controllerInstanceNameDefaultsToDockerFlowsAndReadsItsVariable() throws Exception {
        ControllerConfig byDefault = ControllerConfig.from(ConfigResolver.resolve("controller",
                ControllerConfig.SETTINGS, Optional.empty(), Map.of(), Map.of()));
        ControllerConfig named = ControllerConfig.from(ConfigResolver.resolve("controller", ControllerConfig.SETTINGS,
                Optional.empty(), Map.of("PROXY_INSTANCE_NAME", "internal"), Map.of()));
        assertThat(byDefault.instanceName()).isEqualTo("docker-flow");
        assertThat(named.instanceName()).isEqualTo("internal");
    }

    @Test
    void everySettingHasADescriptionAndParsesItsDefault() {
        for (List<Setting<?>> settings : List.of(ControllerConfig.SETTINGS, DataplaneConfig.SETTINGS, SimConfig.SETTINGS)) {
            for (Setting<?> s : settings) {
                assertThat(s.description()).as(s.key()).isNotBlank();
                assertThat(s.flag()).as(s.key()).startsWith("--");
                if (s.defaultValue() != null) {
                    assertThat(s.parse(s.defaultValue())).as(s.key()).isNotNull();
                }
            }
        }
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("ballast.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void acmeNeedsATokenAndAStorageAndSaysSo() throws Exception {
        assertThatThrownBy(() -> ControllerConfig.from(ConfigResolver.resolve("controller", ControllerConfig.SETTINGS,
                Optional.empty(), Map.of(), Map.of("acmeEmail", "ops@example.com"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "--acme-email (command line) needs --token-file: ACME certificates' keys reach replicas only"
                                + " over authenticated pulls",
                        "--acme-email (command line) needs --acme-storage (or --state-dir): without it every restart"
                                + " would order every certificate again, and CAs limit orders"));
        ControllerConfig c = ControllerConfig.from(ConfigResolver.resolve("controller", ControllerConfig.SETTINGS,
                Optional.empty(), Map.of("BALLAST_ACME_EMAIL", "ops@example.com"), Map.of("tokenFile", "/run/t",
                        "stateDir", "/var/lib/ballast")));
        assertThat(c.acme()).hasValueSatisfying(a -> {
            assertThat(a.storage()).isEqualTo(Path.of("/var/lib/ballast/acme"));
            assertThat(a.directory().toString()).isEqualTo(AcmeConfig.LETS_ENCRYPT);
            assertThat(a.retryBase()).isEqualTo(Duration.ofMinutes(1));
        });
        assertThat(ControllerConfig.from(ConfigResolver.resolve("controller", ControllerConfig.SETTINGS,
                Optional.empty(), Map.of(), Map.of())).acme()).isEmpty();
    }
}
