package dev.ballast.sim.api;

import dev.ballast.config.Durations;
import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.runtime.TaskFault;
import dev.ballast.sim.runtime.TaskRuntime;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /_sim}: fault injection over HTTP, for tests in other processes and for trying things by hand with curl.
 * Never subject to the API faults it injects.
 *
 * <pre>
 * GET    /_sim                              what is here
 * POST   /_sim/tasks/{id}/kill              the task's server stops; the task fails and is replaced
 * POST   /_sim/tasks/{id}/slow?delay=500ms  its answers are delayed
 * POST   /_sim/tasks/{id}/fail?status=500   it answers every request with that status
 * POST   /_sim/tasks/{id}/heal              back to normal
 * POST   /_sim/api/fault?status=503[&amp;count=N]  the API answers with that status (N times, or until cleared)
 * POST   /_sim/api/hang                     the API stops answering
 * DELETE /_sim/api/fault                    the API answers normally again
 * POST   /_sim/events/stall                 event streams stay open but go silent
 * POST   /_sim/events/end                   open event streams end
 * POST   /_sim/events/resume                event streams deliver again
 * POST   /_sim/events/hold?delay=1s         streams opened from now on subscribe only after the delay (0s: at once)
 * </pre>
 */
public final class SideDoor implements ResourceHandler {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Cluster cluster;
    private final TaskRuntime runtime;
    private final ApiFaults faults;
    private final EventStreams streams;

    public SideDoor(Cluster cluster, TaskRuntime runtime, ApiFaults faults, EventStreams streams) {
        this.cluster = cluster;
        this.runtime = runtime;
        this.faults = faults;
        this.streams = streams;
    }

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        String[] p = r.path().substring(1).split("/"); // trailing slashes ignored, unlike the Engine API's routes
        String method = r.method().name();
        if (p.length == 1 && method.equals("GET")) {
            Responses.raw(ctx, 200, Responses.TEXT, usage());
            return true;
        }
        if (p.length == 4 && p[1].equals("tasks") && method.equals("POST")) {
            String id = cluster.read(c -> c.task(p[2]).id);
            switch (p[3]) {
                case "kill" -> cluster.killTask(id);
                case "slow" -> runtime.fault(id, new TaskFault(duration(r.param("delay")), 0));
                case "fail" -> runtime.fault(id, new TaskFault(Duration.ZERO, status(r.param("status"), 500)));
                case "heal" -> runtime.fault(id, TaskFault.NONE);
                default -> throw new ApiException(404, "page not found");
            }
            ok(ctx, "task " + id + ": " + p[3]);
            return true;
        }
        if (p.length == 3 && p[1].equals("api")) {
            if (p[2].equals("fault") && method.equals("POST")) {
                int count = r.param("count") == null ? 0 : Integer.parseInt(r.param("count"));
                faults.fail(status(r.param("status"), 503), count);
                ok(ctx, "api fault set");
                return true;
            }
            if (p[2].equals("hang") && method.equals("POST")) {
                faults.hang();
                ok(ctx, "api hangs");
                return true;
            }
            if (p[2].equals("fault") && method.equals("DELETE")) {
                faults.clear();
                ok(ctx, "api fault cleared");
                return true;
            }
        }
        if (p.length == 3 && p[1].equals("events") && method.equals("POST")) {
            switch (p[2]) {
                case "stall" -> streams.stall();
                case "end" -> streams.endAll();
                case "resume" -> streams.resume();
                case "hold" -> streams.holdNewStreams(duration(r.param("delay")));
                default -> throw new ApiException(404, "page not found");
            }
            ok(ctx, "events " + p[2]);
            return true;
        }
        return false;
    }

    private static Duration duration(String value) {
        try {
            return Durations.parse(value == null ? "" : value);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "delay: " + e.getMessage());
        }
    }

    private static int status(String value, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            int status = Integer.parseInt(value);
            if (status < 100 || status > 599) {
                throw new NumberFormatException();
            }
            return status;
        } catch (NumberFormatException e) {
            throw new ApiException(400, "status: \"" + value + "\" is not an HTTP status (100-599)");
        }
    }

    private static void ok(ChannelHandlerContext ctx, String what) {
        ObjectNode out = JSON.objectNode().put("ok", true).put("message", what);
        Responses.json(ctx, 200, out);
    }

    private static String usage() {
        return "swarm-sim side door: fault injection\n"
                + "POST   /_sim/tasks/{id}/kill\n"
                + "POST   /_sim/tasks/{id}/slow?delay=500ms\n"
                + "POST   /_sim/tasks/{id}/fail?status=500\n"
                + "POST   /_sim/tasks/{id}/heal\n"
                + "POST   /_sim/api/fault?status=503[&count=N]\n"
                + "POST   /_sim/api/hang\n"
                + "DELETE /_sim/api/fault\n"
                + "POST   /_sim/events/stall | /_sim/events/end | /_sim/events/resume\n"
                + "POST   /_sim/events/hold?delay=1s\n";
    }
}
