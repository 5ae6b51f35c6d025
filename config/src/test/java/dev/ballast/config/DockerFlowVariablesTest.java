package dev.ballast.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Docker Flow variables that are set but not honoured are named at start, with why; honoured ones are not. */
class DockerFlowVariablesTest {

    /** A Docker Flow Proxy service's environment, as a migrating user leaves it, plus unrelated variables. */
    private static Map<String, String> proxyEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("LISTENER_ADDRESS", "swarm-listener");
        env.put("MODE", "swarm");
        env.put("STATS_USER", "admin");
        env.put("STATS_PASS", "s3cret-stats");
        env.put("CFG_TEMPLATE_PATH", "/cfg/tmpl/haproxy.tmpl");
        env.put("TERMINATE_ON_RELOAD", "true");
        env.put("CONNECTION_MODE", "http-server-close");
        env.put("CHECK_RESOLVERS", "true");
        env.put("DFP_SERVICE_1_SERVICE_NAME", "static");
        env.put("DFP_SERVICE_PORT", "8080");
        env.put("CERTS", "");                       // empty: not set, as the settings read it
        env.put("TIMEOUT_SERVER", "30");            // honoured by a dataplane
        env.put("USERS", "admin:pwd");              // honoured by a dataplane
        env.put("USERS_PASS_ENCRYPTED", "false");   // honoured by a dataplane
        env.put("COMPRESSION_ALGO", "gzip");        // honoured by a dataplane
        env.put("HTTPS_ONLY", "true");              // honoured by the controller, not by a dataplane
        env.put("PROXY_INSTANCE_NAME", "internal"); // honoured by the controller, not by a dataplane
        env.put("PATH", "/usr/bin");
        env.put("HOSTNAME", "proxy.1");
        env.put("DOCKER_HOST", "unix:///var/run/docker.sock");
        env.put("BALLAST_LISTEN", "0.0.0.0:80");
        return env;
    }

    @Test
    void aDataplaneNamesExactlyTheUnhonouredOnesSet() {
        List<DockerFlowVariables.Unhonoured> found = DockerFlowVariables.forDataplane(proxyEnvironment());
        assertThat(found).extracting(DockerFlowVariables.Unhonoured::name).containsExactly("CFG_TEMPLATE_PATH",
                "CHECK_RESOLVERS", "CONNECTION_MODE", "DFP_SERVICE_1_SERVICE_NAME", "DFP_SERVICE_PORT", "HTTPS_ONLY",
                "LISTENER_ADDRESS", "MODE", "PROXY_INSTANCE_NAME", "STATS_PASS", "STATS_USER", "TERMINATE_ON_RELOAD");
        assertThat(found).filteredOn(u -> u.name().equals("HTTPS_ONLY")).singleElement()
                .extracting(DockerFlowVariables.Unhonoured::message).isEqualTo("Docker Flow variable HTTPS_ONLY is set"
                        + " but not honoured: read by the controller (--https-only), not by a dataplane: set it there");
        assertThat(found).filteredOn(u -> u.name().equals("STATS_USER")).singleElement()
                .extracting(DockerFlowVariables.Unhonoured::reason).asString().contains("/metrics");
        assertThat(found).filteredOn(u -> u.name().startsWith("DFP_SERVICE_")).allSatisfy(u ->
                assertThat(u.reason()).contains("Route file"));
    }

    @Test
    void theControllerNamesExactlyTheUnhonouredOnesSet() {
        Map<String, String> env = new HashMap<>(Map.of("DF_NOTIFY_CREATE_SERVICE_URL",
                "http://proxy:8080/v1/docker-flow-proxy/reconfigure", "DF_NOTIFY_REMOVE_SERVICE_URL",
                "http://proxy:8080/v1/docker-flow-proxy/remove", "DF_RETRY", "50", "DF_NOTIFY_LABEL", "com.df.notify",
                "DF_DOCKER_HOST", "unix:///var/run/docker.sock", "SEPARATOR", ";", "PROXY_INSTANCE_NAME", "internal",
                "FILTER_PROXY_INSTANCE_NAME", "true", "TIMEOUT_SERVER", "30", "DOCKER_HOST", "tcp://manager:2375"));
        List<DockerFlowVariables.Unhonoured> found = DockerFlowVariables.forController(env);
        assertThat(found).extracting(DockerFlowVariables.Unhonoured::name).containsExactly(
                "DF_NOTIFY_CREATE_SERVICE_URL", "DF_NOTIFY_REMOVE_SERVICE_URL", "DF_RETRY",
                "FILTER_PROXY_INSTANCE_NAME", "TIMEOUT_SERVER");
        assertThat(found.get(3).reason()).startsWith("the instance filter is always on");
        assertThat(found.get(4).reason()).isEqualTo("read by a dataplane (--timeout-server), not by the controller:"
                + " set it there");
    }

    @Test
    void valuesAreNeverInTheMessages() {
        Map<String, String> env = new HashMap<>();
        proxyEnvironment().keySet().forEach(name -> env.put(name, "value-of-" + name));
        List<DockerFlowVariables.Unhonoured> found = DockerFlowVariables.forDataplane(env);
        assertThat(found).hasSizeGreaterThan(5);
        for (DockerFlowVariables.Unhonoured u : found) {
            assertThat(u.message()).contains(u.name()).doesNotContain("value-of-");
        }
    }

    @Test
    void everyVariableOfTheReferenceIsEitherHonouredOrExplained() {
        // docker-flow-proxy-notes.md sections 2.1 and 2.2
        List<String> reference = List.of("LISTENER_ADDRESS", "SERVICE_NAME", "PROXY_INSTANCE_NAME",
                "FILTER_PROXY_INSTANCE_NAME", "IP", "PORT", "RELOAD_INTERVAL", "REPEAT_RELOAD", "RELOAD_ATTEMPTS",
                "RECONFIGURE_ATTEMPTS", "SKIP_ADDRESS_VALIDATION", "DO_NOT_RESOLVE_ADDR", "CHECK_RESOLVERS",
                "RESOLVERS", "DEFAULT_PORTS", "BIND_PORTS", "DEFAULT_REQ_MODE", "CONNECTION_MODE", "TIMEOUT_CONNECT",
                "TIMEOUT_CLIENT", "TIMEOUT_SERVER", "TIMEOUT_QUEUE", "TIMEOUT_TUNNEL", "TIMEOUT_HTTP_REQUEST",
                "TIMEOUT_HTTP_KEEP_ALIVE", "HTTPS_ONLY", "SERVICE_DOMAIN_ALGO", "SEPARATOR", "USERS",
                "USERS_PASS_ENCRYPTED", "STATS_USER", "STATS_PASS", "STATS_USER_ENV", "STATS_PASS_ENV", "STATS_URI",
                "STATS_PORT", "CA_FILE", "CRT_LIST_PATH", "PREFERRED_CERTIFICATE", "ENABLE_H2", "SSL_BIND_OPTIONS",
                "SSL_BIND_CIPHERS", "EXTRA_GLOBAL", "EXTRA_FRONTEND", "CFG_TEMPLATE_PATH", "COMPRESSION_ALGO",
                "COMPRESSION_TYPE", "CAPTURE_REQUEST_HEADER", "DEBUG", "DEBUG_ERRORS_ONLY", "DEBUG_HTTP_FORMAT",
                "DEBUG_TCP_FORMAT", "TERMINATE_ON_RELOAD", "DISPLAY_CONFIG_ON_ERROR", "DNS_LOOKUP_PAUSE_MS",
                "HEALTHCHECK", "DEFAULT_PROTOCOL", "MODE", "CERTS",
                "DF_DOCKER_HOST", "DF_NOTIFY_LABEL", "DF_NOTIFY_CREATE_SERVICE_URL", "DF_NOTIF_CREATE_SERVICE_URL",
                "DF_NOTIFICATION_URL", "DF_NOTIFY_REMOVE_SERVICE_URL", "DF_NOTIF_REMOVE_SERVICE_URL",
                "DF_NOTIFY_CREATE_SERVICE_METHOD", "DF_NOTIFY_REMOVE_SERVICE_METHOD", "DF_NOTIFY_CREATE_NODE_URL",
                "DF_NOTIFY_REMOVE_NODE_URL", "DF_RETRY", "DF_RETRY_INTERVAL", "DF_SERVICE_POLLING_INTERVAL",
                "DF_USE_DOCKER_SERVICE_EVENTS", "DF_NODE_POLLING_INTERVAL", "DF_USE_DOCKER_NODE_EVENTS",
                "DF_INCLUDE_NODE_IP_INFO", "DF_NODE_IP_INFO_INCLUDES_TASK_ADDRESS", "DF_SERVICE_NAME_PREFIX",
                "DF_NOTIFY_CREATE_SERVICE_IMMEDIATELY");
        assertThat(DockerFlowVariables.known()).containsAll(reference);
        Map<String, String> all = new HashMap<>();
        reference.forEach(name -> all.put(name, "x"));
        // each is honoured by one process and reported by the other, or reported by both
        List<String> byController = DockerFlowVariables.forController(all).stream()
                .map(DockerFlowVariables.Unhonoured::name).toList();
        List<String> byDataplane = DockerFlowVariables.forDataplane(all).stream()
                .map(DockerFlowVariables.Unhonoured::name).toList();
        for (String name : reference) {
            assertThat(byController.contains(name) || byDataplane.contains(name)).as(name).isTrue();
        }
        assertThat(byDataplane).doesNotContain("TIMEOUT_SERVER", "USERS", "COMPRESSION_ALGO", "DEFAULT_PORTS",
                        "BIND_PORTS")
                .contains("HTTPS_ONLY", "SEPARATOR", "DF_NOTIFY_LABEL", "PROXY_INSTANCE_NAME");
        assertThat(byController).doesNotContain("HTTPS_ONLY", "SEPARATOR", "DF_NOTIFY_LABEL", "PROXY_INSTANCE_NAME",
                "DF_DOCKER_HOST").contains("TIMEOUT_SERVER", "USERS", "DEFAULT_PORTS", "BIND_PORTS");
        assertThat(DockerFlowVariables.forController(Map.of("BIND_PORTS", "8085"))).extracting(
                DockerFlowVariables.Unhonoured::message).containsExactly("Docker Flow variable BIND_PORTS is set but "
                + "not honoured: read by a dataplane (--listen, --tls-listen), not by the controller: set it there");
    }

    @Test
    void theDocsTableNamesEveryVariableAndSaysWhoHonoursIt() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "docker-flow.md"));
        String table = readme.substring(readme.indexOf("<!-- dockerflow-env:begin"),
                readme.indexOf("<!-- dockerflow-env:end"));
        for (String name : DockerFlowVariables.known()) {
            assertThat(table).as("docs/docker-flow.md's variables table names " + name).contains("`" + name + "`");
        }
        for (String row : table.lines().filter(l -> l.startsWith("| `")).toList()) {
            Map<String, String> env = new HashMap<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("`([A-Z_]+)`").matcher(row.split("\\| ")[1]);
            while (m.find()) {
                env.put(m.group(1), "x");
            }
            List<String> reported = new java.util.ArrayList<>();
            DockerFlowVariables.forController(env).forEach(u -> reported.add(u.name()));
            DockerFlowVariables.forDataplane(env).forEach(u -> reported.add(u.name()));
            for (String name : env.keySet()) {
                boolean byBoth = reported.stream().filter(name::equals).count() == 2;
                assertThat(row.contains("| honoured by")).as(name + ": honoured by one process in " + row)
                        .isEqualTo(!byBoth);
            }
        }
    }
}
