package dev.ballast.sim.model;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Placement constraints ({@code node.role == manager}, {@code node.labels.zone != b}, …) evaluated against nodes. */
final class Placement {

    private Placement() {
    }

    /** The nodes that satisfy every constraint of a task template, in node order. */
    static List<NodeRecord> eligible(JsonNode taskTemplate, List<NodeRecord> nodes) {
        List<NodeRecord> out = new ArrayList<>();
        for (NodeRecord node : nodes) {
            boolean ok = node.availability.equals("active");
            for (JsonNode c : taskTemplate.path("Placement").path("Constraints")) {
                ok &= satisfies(c.asString(""), node);
            }
            if (ok) {
                out.add(node);
            }
        }
        return out;
    }

    static boolean satisfies(String constraint, NodeRecord node) {
        boolean equals = !constraint.contains("!=");
        String[] parts = constraint.split(equals ? "==" : "!=", 2);
        if (parts.length != 2) {
            return true; // the engine refuses these at create time; be lenient here
        }
        String key = parts[0].trim();
        String value = parts[1].trim();
        String actual = switch (key) {
            case "node.role" -> node.role;
            case "node.hostname" -> node.hostname;
            case "node.id" -> node.id;
            case "node.platform.os" -> "linux";
            case "node.platform.arch" -> "x86_64";
            default -> key.startsWith("node.labels.") ? node.labels.get(key.substring("node.labels.".length())) : null;
        };
        return equals == value.equals(actual);
    }
}
