package dev.ballast.sim.runtime;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** What the emulator knows of images by name: which are whoami, and the port well-known images serve on. */
final class Images {

    private static final Set<String> WHOAMI = Set.of("emilevauge/whoami", "traefik/whoami", "containous/whoami");

    /**
     * The port each well-known image listens on, for a stand-in whose service names none (no {@code com.df.port}).
     * Only images whose port is their documented default are here; a service that says otherwise wins.
     */
    private static final Map<String, Integer> USUAL_PORTS = Map.ofEntries(
            Map.entry("nginx", 80), Map.entry("httpd", 80), Map.entry("caddy", 80), Map.entry("traefik", 80),
            Map.entry("redis", 6379), Map.entry("postgres", 5432), Map.entry("mysql", 3306),
            Map.entry("mariadb", 3306), Map.entry("mongo", 27017), Map.entry("memcached", 11211),
            Map.entry("rabbitmq", 5672), Map.entry("elasticsearch", 9200), Map.entry("grafana/grafana", 3000),
            Map.entry("prom/prometheus", 9090), Map.entry("vfarcic/go-demo", 8080),
            Map.entry("dockersamples/examplevotingapp_vote", 80),
            Map.entry("dockersamples/examplevotingapp_result", 80));

    private Images() {
    }

    /**
     * The image's repository as Docker Hub names it: lower case, without registry host, {@code library/}, tag or
     * digest ({@code docker.io/library/nginx:1.25} is {@code nginx}).
     */
    static String repository(String image) {
        String name = image.toLowerCase(Locale.ROOT).trim();
        int at = name.indexOf('@');
        if (at >= 0) {
            name = name.substring(0, at);
        }
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        if (colon > slash) {
            name = name.substring(0, colon);
        }
        for (String prefix : List.of("docker.io/", "index.docker.io/", "registry-1.docker.io/")) {
            if (name.startsWith(prefix)) {
                name = name.substring(prefix.length());
            }
        }
        return name.startsWith("library/") ? name.substring("library/".length()) : name;
    }

    /** Whether {@code image} (with or without registry, tag or digest) is one of the whoami images. */
    static boolean isWhoami(String image) {
        return WHOAMI.contains(repository(image));
    }

    /** The port the image usually serves on, where the emulator knows it. */
    static Optional<Integer> usualPort(String image) {
        return Optional.ofNullable(USUAL_PORTS.get(repository(image)));
    }

    /** whoami's port: {@code -port N}, {@code --port N}, {@code -port=N} or {@code --port=N}; 80 otherwise. */
    static int whoamiPort(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String value = null;
            if ((arg.equals("-port") || arg.equals("--port")) && i + 1 < args.size()) {
                value = args.get(i + 1);
            } else if (arg.startsWith("-port=") || arg.startsWith("--port=")) {
                value = arg.substring(arg.indexOf('=') + 1);
            }
            if (value != null) {
                try {
                    return Integer.parseInt(value.trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return 80;
    }
}
