package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.ClusterException;
import dev.ballast.sim.runtime.TaskLogs;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Engine API's front door: negotiates the API version, applies injected API faults, hands each request to the
 * handler of its resource and words every refusal as the engine does. Every route answers with and without a
 * {@code /v1.NN} prefix; versions outside {@value EngineJson#MIN_API_VERSION}…{@value EngineJson#API_VERSION} are
 * refused as the engine refuses them. {@code /_sim} goes to the {@link SideDoor}, past the faults it injects.
 *
 * <p>Sharable: it keeps no per-connection state. Handlers run on the event loop and only touch the in-memory cluster,
 * which never blocks for long.
 */
@ChannelHandler.Sharable
public final class ApiRouter extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Pattern VERSIONED = Pattern.compile("^/v([0-9]+)\\.([0-9]+)(/.*)$");
    private static final int MAX_MINOR = Integer.parseInt(EngineJson.API_VERSION.substring(2));
    private static final int MIN_MINOR = Integer.parseInt(EngineJson.MIN_API_VERSION.substring(2));

    private final ApiFaults faults;
    private final SideDoor sideDoor;
    /** First path segment → the handler of that resource. */
    private final Map<String, ResourceHandler> resources;

    public ApiRouter(Cluster cluster, TaskLogs logs, ApiFaults faults, EventStreams streams, SideDoor sideDoor) {
        this.faults = faults;
        this.sideDoor = sideDoor;
        Map<String, ResourceHandler> routes = new HashMap<>();
        route(routes, new SystemHandler(cluster), "_ping", "version", "info", "swarm");
        route(routes, new NodesHandler(cluster), "nodes");
        route(routes, new ServicesHandler(cluster, logs), "services");
        route(routes, new TasksHandler(cluster, logs), "tasks");
        route(routes, new ContainersHandler(cluster, logs), "containers");
        route(routes, new NetworksHandler(cluster), "networks");
        route(routes, new SecretsHandler(cluster), "secrets");
        route(routes, new EventsHandler(cluster, streams), "events");
        route(routes, new EmptyResourcesHandler(), "images", "volumes", "configs", "plugins", "distribution");
        this.resources = Map.copyOf(routes);
    }

    private static void route(Map<String, ResourceHandler> routes, ResourceHandler handler, String... roots) {
        for (String root : roots) {
            routes.put(root, handler);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest http) {
        QueryStringDecoder uri = new QueryStringDecoder(http.uri());
        String path = uri.path();
        Map<String, List<String>> params = uri.parameters();
        try {
            if (path.equals("/_sim") || path.startsWith("/_sim/")) {
                dispatch(sideDoor, ApiRequest.of(http.method(), path, params, http.content(), MAX_MINOR, false), ctx);
                return;
            }
            switch (faults.next()) {
                case HANG:
                    return; // never answered; the client's timeout is what gets tested
                case FAIL:
                    throw new ApiException(faults.status(), faults.status() == 503 ? "This node is not a swarm manager. "
                            + "Manager is being prepared or has trouble connecting to the cluster." : "injected failure");
                default:
                    break;
            }
            int minor = MAX_MINOR;
            boolean versioned = false;
            Matcher m = VERSIONED.matcher(path);
            if (m.matches()) {
                versioned = true;
                minor = negotiate(m.group(1), m.group(2));
                path = m.group(3);
            }
            ApiRequest r = ApiRequest.of(http.method(), path, params, http.content(), minor, versioned);
            dispatch(resources.get(r.segment(0)), r, ctx);
        } catch (ApiException e) {
            Responses.error(ctx, e.status(), e.getMessage());
        } catch (ClusterException e) {
            Responses.error(ctx, status(e.kind()), e.getMessage());
        } catch (RuntimeException e) {
            Responses.error(ctx, 500, e.toString());
        }
    }

    /** The version a {@code /vMAJOR.MINOR} prefix asks for, if the emulator speaks it. */
    private static int negotiate(String major, String minorDigits) {
        String version = major + "." + minorDigits; // as the client wrote it, leading zeros and all
        int minor = Integer.parseInt(minorDigits);
        if (!major.equals("1") || minor < MIN_MINOR) {
            throw new ApiException(400, "client version " + version + " is too old. Minimum supported API "
                    + "version is " + EngineJson.MIN_API_VERSION + ", please upgrade your client to a newer version");
        }
        if (minor > MAX_MINOR) {
            throw new ApiException(400, "client version " + version + " is too new. Maximum supported API "
                    + "version is " + EngineJson.API_VERSION);
        }
        return minor;
    }

    private static void dispatch(ResourceHandler handler, ApiRequest r, ChannelHandlerContext ctx) {
        if (handler == null || !handler.handle(r, ctx)) {
            throw new ApiException(404, "page not found");
        }
    }

    private static int status(ClusterException.Kind kind) {
        return switch (kind) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case FORBIDDEN -> 403;
            case UNIMPLEMENTED -> 501;
            case INTERNAL -> 500;
        };
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
