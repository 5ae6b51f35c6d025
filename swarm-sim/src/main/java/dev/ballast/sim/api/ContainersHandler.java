package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.ClusterStore;
import dev.ballast.sim.model.EngineTime;
import dev.ballast.sim.model.ServiceRecord;
import dev.ballast.sim.model.TaskRecord;
import dev.ballast.sim.runtime.TaskLogs;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /containers}: the containers of the swarm's tasks, only as far as {@code docker logs CONTAINER} needs them
 * (inspect, then logs). Looked up as the engine does: full ID, name ({@code SERVICE.SLOT.TASK_ID}), then a unique
 * ID prefix. Listing answers empty, as before: the emulator runs no containers a client could exec into.
 */
final class ContainersHandler implements ResourceHandler {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Cluster cluster;
    private final TaskLogs logs;

    ContainersHandler(Cluster cluster, TaskLogs logs) {
        this.cluster = cluster;
        this.logs = logs;
    }

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        if (r.is("GET", 2) && r.segment(1).equals("json")) {
            Responses.json(ctx, 200, JSON.arrayNode());
            return true;
        }
        if (r.depth() < 2) {
            return false;
        }
        if (r.is("GET", 3) && r.segment(2).equals("json")) {
            Responses.json(ctx, 200, cluster.read(c -> inspect(find(c, r.segment(1)), c)));
            return true;
        }
        if (r.is("GET", 3) && r.segment(2).equals("logs")) {
            TaskRecord task = cluster.read(c -> find(c, r.segment(1)));
            boolean tty = task.spec.path("ContainerSpec").path("TTY").asBoolean(false);
            // A container's own log lines carry no swarm attributes: its details are empty.
            LogStream.serve(ctx, r, logs, new LogStream.Selection(logs.get(task.id).stream().toList(), null, tty,
                    log -> ""));
            return true;
        }
        cluster.read(c -> find(c, r.segment(1))); // an unknown container is a 404 whatever the route
        return false;
    }

    private static TaskRecord find(ClusterStore c, String ref) {
        String name = ref.startsWith("/") ? ref.substring(1) : ref;
        for (TaskRecord t : c.tasks()) {
            if (t.containerId.equals(ref) || name.equals(EngineJson.taskName(t, service(c, t)))) {
                return t;
            }
        }
        List<TaskRecord> prefixed = c.tasks().stream()
                .filter(t -> !ref.isEmpty() && t.containerId.startsWith(ref) && hasStarted(t)).toList();
        if (prefixed.size() > 1) {
            throw new ApiException(400, "multiple IDs found with provided prefix: " + ref);
        }
        if (prefixed.isEmpty()) {
            throw new ApiException(404, "No such container: " + ref);
        }
        return prefixed.get(0);
    }

    /** A task gets its container once it is being prepared on its node. */
    private static boolean hasStarted(TaskRecord t) {
        return !List.of("new", "pending", "assigned").contains(t.state);
    }

    private static ServiceRecord service(ClusterStore c, TaskRecord t) {
        return c.services().stream().filter(s -> s.id.equals(t.serviceId)).findFirst().orElse(null);
    }

    /** {@code ContainerInspectResponse}, with what the emulator knows of the task's container. */
    private static ObjectNode inspect(TaskRecord t, ClusterStore c) {
        ServiceRecord service = service(c, t);
        JsonNode container = t.spec.path("ContainerSpec");
        String image = container.path("Image").asString("");
        ObjectNode out = JSON.objectNode().put("Id", t.containerId).put("Created", EngineTime.format(t.createdAt));
        JsonNode command = container.path("Command");
        out.put("Path", command.isArray() && !command.isEmpty() ? command.get(0).asString() : image);
        out.set("Args", container.path("Args").isArray() ? container.get("Args").deepCopy() : JSON.arrayNode());
        boolean running = t.isRunning();
        String status = running ? "running" : t.state.equals("starting") || t.state.equals("preparing") ? "created"
                : "exited";
        ObjectNode state = out.putObject("State").put("Status", status).put("Running", running).put("Paused", false)
                .put("Restarting", false).put("OOMKilled", false).put("Dead", false).put("Pid", running ? t.pid : 0)
                .put("ExitCode", t.exitCode).put("Error", t.err == null ? "" : t.err)
                .put("StartedAt", EngineTime.format(t.createdAt));
        state.put("FinishedAt", running ? "0001-01-01T00:00:00Z" : EngineTime.format(t.statusAt));
        out.put("Image", image).put("Name", "/" + EngineJson.taskName(t, service)).put("RestartCount", 0)
                .put("Driver", "overlay2").put("Platform", "linux");
        ObjectNode config = out.putObject("Config")
                .put("Hostname", container.path("Hostname").asString(t.containerId.substring(0, 12)))
                .put("Tty", container.path("TTY").asBoolean(false)).put("OpenStdin", false).put("Image", image);
        config.set("Cmd", out.get("Args").deepCopy());
        ObjectNode labels = config.putObject("Labels");
        container.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString("")));
        labels.put("com.docker.swarm.node.id", t.nodeId).put("com.docker.swarm.service.id", t.serviceId)
                .put("com.docker.swarm.task.id", t.id)
                .put("com.docker.swarm.task.name", EngineJson.taskName(t, service));
        if (service != null) {
            labels.put("com.docker.swarm.service.name", service.name());
        }
        out.putObject("HostConfig").put("NetworkMode", "default");
        out.putArray("Mounts");
        return out;
    }
}
