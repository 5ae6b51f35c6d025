package dev.ballast.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Docker Flow Proxy's listener variables, read by a dataplane when no listener flag is given: {@code DEFAULT_PORTS}
 * (default {@code 80,443:ssl}) and {@code BIND_PORTS}, comma-separated ports, a {@code :ssl} suffix marking a TLS one.
 * Each port becomes a listener on every address ({@code --listen 0.0.0.0:PORT}, or {@code --tls-listen} for
 * {@code :ssl}), which is what HAProxy's {@code bind *:PORT} did.
 *
 * @param plain the HTTP listeners, in order
 * @param tls the TLS listeners, in order
 */
public record DockerFlowPorts(List<HostPort> plain, List<HostPort> tls) {

    static final String DEFAULT_PORTS = "DEFAULT_PORTS";
    static final String BIND_PORTS = "BIND_PORTS";
    /** Docker Flow's default for {@code DEFAULT_PORTS}. */
    private static final String DOCKER_FLOW_DEFAULT = "80,443:ssl";

    public DockerFlowPorts {
        plain = List.copyOf(plain);
        tls = List.copyOf(tls);
    }

    /** The listeners {@code env} asks for; empty when it sets neither variable. */
    static Optional<DockerFlowPorts> fromEnv(Map<String, String> env) throws ConfigException {
        String defaults = env.getOrDefault(DEFAULT_PORTS, "");
        String extra = env.getOrDefault(BIND_PORTS, "");
        if (defaults.isBlank() && extra.isBlank()) {
            return Optional.empty();
        }
        List<HostPort> plain = new ArrayList<>();
        List<HostPort> tls = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        add(DEFAULT_PORTS, defaults.isBlank() ? DOCKER_FLOW_DEFAULT : defaults, plain, tls, problems);
        add(BIND_PORTS, extra, plain, tls, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return Optional.of(new DockerFlowPorts(plain, tls));
    }

    private static void add(String variable, String value, List<HostPort> plain, List<HostPort> tls,
                            List<String> problems) {
        for (String entry : value.split(",")) {
            String item = entry.trim();
            if (item.isEmpty()) {
                continue;
            }
            boolean ssl = item.endsWith(":ssl");
            String port = ssl ? item.substring(0, item.length() - ":ssl".length()) : item;
            try {
                HostPort address = HostPort.parse("0.0.0.0:" + port);
                if (plain.contains(address) || tls.contains(address)) {
                    problems.add(variable + " (environment): port " + port + " is given twice");
                } else {
                    (ssl ? tls : plain).add(address);
                }
            } catch (IllegalArgumentException e) {
                problems.add(variable + " (environment): \"" + item + "\" is not PORT or PORT:ssl (HAProxy bind "
                        + "options have no equivalent here; TLS settings are fixed)");
            }
        }
    }
}
