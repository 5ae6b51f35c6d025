package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.ServiceRecord;
import dev.ballast.sim.runtime.TaskLogs;
import io.netty.channel.ChannelHandlerContext;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** {@code /services}: list, create, inspect, update, remove, and the logs of their tasks. */
final class ServicesHandler implements ResourceHandler {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> FILTERS = Set.of("id", "name", "label", "mode");

    private final Cluster cluster;
    private final TaskLogs logs;

    ServicesHandler(Cluster cluster, TaskLogs logs) {
        this.cluster = cluster;
        this.logs = logs;
    }

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        if (r.is("GET", 1)) {
            Responses.json(ctx, 200, list(r));
            return true;
        }
        if (r.is("POST", 2) && r.segment(1).equals("create")) {
            ServiceRecord created = cluster.createService(r.jsonBody(), r.apiMinor());
            ObjectNode out = JSON.objectNode().put("ID", created.id);
            out.putNull("Warnings");
            Responses.json(ctx, 201, out);
            return true;
        }
        if (r.is("GET", 2)) {
            Responses.json(ctx, 200, cluster.read(c -> EngineJson.service(c.service(r.segment(1)), false, c)));
            return true;
        }
        if (r.is("POST", 3) && r.segment(2).equals("update")) {
            cluster.updateService(r.segment(1), version(r.param("version")), r.jsonBody(), r.apiMinor());
            ObjectNode out = JSON.objectNode();
            out.putNull("Warnings");
            Responses.json(ctx, 200, out);
            return true;
        }
        if (r.is("DELETE", 2)) {
            cluster.removeService(r.segment(1));
            Responses.raw(ctx, 200, Responses.TEXT, "");
            return true;
        }
        if (r.is("GET", 3) && r.segment(2).equals("logs")) {
            LogStream.Selection selection = cluster.read(c -> {
                ServiceRecord service = c.service(r.segment(1));
                boolean tty = service.spec.path("TaskTemplate").path("ContainerSpec").path("TTY").asBoolean(false);
                return new LogStream.Selection(logs.ofService(service.id), service.id, tty, LogStream::swarmDetails);
            });
            LogStream.serve(ctx, r, logs, selection);
            return true;
        }
        return false;
    }

    private ArrayNode list(ApiRequest r) {
        Filters f = Filters.parse(r.param("filters"), FILTERS);
        boolean status = r.flag("status");
        return cluster.read(c -> {
            ArrayNode out = JSON.arrayNode();
            for (ServiceRecord s : c.services()) {
                if (f.prefix("id", s.id) && f.prefix("name", s.name()) && f.labels("label", s.labels())
                        && f.exact("mode", s.isGlobal() ? "global" : "replicated")) {
                    out.add(EngineJson.service(s, status, c));
                }
            }
            return out;
        });
    }

    /** The {@code version} parameter the update is based on; the engine's message is Go's, so it is here too. */
    private static long version(String raw) {
        String text = raw == null ? "" : raw;
        try {
            return Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            throw new ApiException(400, "invalid service version '" + text + "': strconv.ParseUint: parsing \""
                    + text + "\": invalid syntax");
        }
    }
}
