package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.ServiceRecord;
import dev.ballast.sim.model.TaskRecord;
import dev.ballast.sim.runtime.TaskLogs;
import io.netty.channel.ChannelHandlerContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** {@code /tasks}: list, inspect, and their logs. Tasks are the orchestrator's to change. */
final class TasksHandler implements ResourceHandler {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> FILTERS = Set.of("id", "name", "label", "service", "node", "desired-state",
            "_up-to-date", "runtime");

    private final Cluster cluster;
    private final TaskLogs logs;

    TasksHandler(Cluster cluster, TaskLogs logs) {
        this.cluster = cluster;
        this.logs = logs;
    }

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        if (r.is("GET", 1)) {
            Responses.json(ctx, 200, list(r));
            return true;
        }
        if (r.is("GET", 2)) {
            Responses.json(ctx, 200, cluster.read(c -> EngineJson.task(c.task(r.segment(1)), c)));
            return true;
        }
        if (r.is("GET", 3) && r.segment(2).equals("logs")) {
            TaskRecord task = cluster.read(c -> c.task(r.segment(1)));
            boolean tty = task.spec.path("ContainerSpec").path("TTY").asBoolean(false);
            LogStream.serve(ctx, r, logs, new LogStream.Selection(logs.get(task.id).stream().toList(), null, tty,
                    LogStream::swarmDetails));
            return true;
        }
        return false;
    }

    private ArrayNode list(ApiRequest r) {
        Filters f = Filters.parse(r.param("filters"), FILTERS);
        return cluster.read(c -> {
            // Service and node filters take names and prefixes too, so they are resolved once, up front.
            List<String> serviceIds = f.get("service").stream().map(ref -> c.service(ref).id).toList();
            List<String> nodeIds = f.get("node").stream().map(ref -> c.node(ref).id).toList();
            ArrayNode out = JSON.arrayNode();
            for (TaskRecord t : c.tasks()) {
                ServiceRecord s = c.services().stream().filter(x -> x.id.equals(t.serviceId)).findFirst().orElse(null);
                // A task's labels, for filtering, are its service's overlaid with its container's.
                Map<String, String> labels = new LinkedHashMap<>();
                if (s != null) {
                    labels.putAll(s.labels());
                }
                t.spec.path("ContainerSpec").path("Labels").properties()
                        .forEach(e -> labels.put(e.getKey(), e.getValue().asString("")));
                boolean upToDate = s != null && t.spec.equals(s.spec.path("TaskTemplate"));
                if (f.prefix("id", t.id) && f.prefix("name", EngineJson.taskName(t, s)) && f.labels("label", labels)
                        && (serviceIds.isEmpty() || serviceIds.contains(t.serviceId))
                        && (nodeIds.isEmpty() || nodeIds.contains(t.nodeId))
                        && (!f.has("desired-state")
                                || f.get("desired-state").stream().anyMatch(t.desiredState::equalsIgnoreCase))
                        && (!f.has("_up-to-date") || upToDate == Boolean.parseBoolean(f.get("_up-to-date").get(0)))
                        && f.exact("runtime", "container")) {
                    out.add(EngineJson.task(t, c));
                }
            }
            return out;
        });
    }
}
