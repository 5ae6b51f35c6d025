package dev.ballast.sim.runtime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The ports a stand-in serves: those the service's {@code com.df.port} labels name (the proxy will call them), else
 * the image's usual port where the emulator knows it, else none. A label that is not a port is reported (and the
 * rest still served), since on a real swarm it would only fail later, in the proxy.
 *
 * @param ports the ports to serve, in label order, without duplicates; empty to serve nothing
 * @param source where they come from, for the task's log
 * @param problems labels whose value is not a port, each naming the label
 */
record StandInPorts(List<Integer> ports, String source, List<String> problems) {

    static final String LABEL = "com.df.port";
    /** Docker Flow's indexed labels run from {@code .1} to {@code .10}. */
    private static final int MAX_INDEX = 10;

    static StandInPorts of(String image, Map<String, String> serviceLabels) {
        Set<Integer> ports = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        List<String> keys = new ArrayList<>(List.of(LABEL));
        for (int i = 1; i <= MAX_INDEX; i++) {
            keys.add(LABEL + "." + i);
        }
        for (String key : keys) {
            String value = serviceLabels.get(key);
            if (value == null) {
                continue;
            }
            Optional<Integer> port = parse(value);
            if (port.isPresent()) {
                ports.add(port.get());
            } else {
                problems.add(key + ": \"" + value + "\" is not a port (1-65535)");
            }
        }
        if (!ports.isEmpty()) {
            return new StandInPorts(List.copyOf(ports), "the service's " + LABEL + " label", problems);
        }
        Optional<Integer> usual = Images.usualPort(image);
        if (usual.isPresent()) {
            return new StandInPorts(List.of(usual.get()), "the image's usual port", problems);
        }
        return new StandInPorts(List.of(), "no " + LABEL + " label, and no port known for the image", problems);
    }

    private static Optional<Integer> parse(String value) {
        try {
            int port = Integer.parseInt(value.trim());
            return port >= 1 && port <= 65535 ? Optional.of(port) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
