package dev.ballast.sim.api;

import dev.ballast.sim.model.Cluster;
import dev.ballast.sim.model.ClusterException;
import dev.ballast.sim.model.EngineTime;
import dev.ballast.sim.model.EventLog;
import dev.ballast.sim.model.NetworkRecord;
import dev.ballast.sim.model.NodeRecord;
import dev.ballast.sim.model.ServiceRecord;
import dev.ballast.sim.model.TaskRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Engine API routes. Every route answers with and without a {@code /v1.NN} prefix; versions outside
 * {@value EngineJson#MIN_API_VERSION}…{@value EngineJson#API_VERSION} are refused as the engine refuses them.
 *
 * <p>Sharable: it keeps no per-connection state. Handlers run on the event loop and only touch the in-memory cluster,
 * which never blocks for long.
 */
@ChannelHandler.Sharable
public final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Pattern VERSIONED = Pattern.compile("^/v([0-9]+)\\.([0-9]+)(/.*)$");
    private static final Pattern EVENT_TIME = Pattern.compile("^([0-9]+)(?:\\.([0-9]{1,9}))?$");
    private static final int MAX_MINOR = Integer.parseInt(EngineJson.API_VERSION.substring(2));
    private static final int MIN_MINOR = Integer.parseInt(EngineJson.MIN_API_VERSION.substring(2));
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private static final Set<String> SERVICE_FILTERS = Set.of("id", "name", "label", "mode");
    private static final Set<String> TASK_FILTERS = Set.of("id", "name", "label", "service", "node", "desired-state",
            "_up-to-date", "runtime");
    private static final Set<String> NETWORK_FILTERS = Set.of("driver", "id", "label", "name", "scope", "type", "dangling");
    private static final Set<String> NODE_FILTERS = Set.of("id", "label", "membership", "name", "node.label", "role");
    private static final Set<String> EVENT_FILTERS = Set.of("type", "event", "scope", "service", "node", "network",
            "config", "secret", "label", "container", "image", "volume", "daemon", "plugin");
    private static final List<String> OTHER_EVENT_TYPES = List.of("container", "image", "volume", "daemon",
            "plugin", "config", "secret");

    private final Cluster cluster;
    private final ApiFaults faults;
    private final EventStreams streams;
    private final SideDoor sideDoor;

    public ApiHandler(Cluster cluster, ApiFaults faults, EventStreams streams, SideDoor sideDoor) {
        this.cluster = cluster;
        this.faults = faults;
        this.streams = streams;
        this.sideDoor = sideDoor;
    }

    /** One request, with the version prefix taken off. */
    record Request(HttpMethod method, String path, Map<String, List<String>> params, ByteBuf body, int apiMinor,
                   boolean versioned) {
        String param(String name) {
            List<String> values = params.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        boolean flag(String name) {
            String value = param(name);
            return value != null && (value.equals("1") || value.equalsIgnoreCase("true"));
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest http) {
        QueryStringDecoder uri = new QueryStringDecoder(http.uri());
        String path = uri.path();
        try {
            if (path.equals("/_sim") || path.startsWith("/_sim/")) {
                sideDoor.handle(ctx, http, new Request(http.method(), path, uri.parameters(), http.content(), MAX_MINOR, false));
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
                String version = m.group(1) + "." + m.group(2);
                minor = Integer.parseInt(m.group(2));
                if (!m.group(1).equals("1") || minor < MIN_MINOR) {
                    throw new ApiException(400, "client version " + version + " is too old. Minimum supported API "
                            + "version is " + EngineJson.MIN_API_VERSION + ", please upgrade your client to a newer version");
                }
                if (minor > MAX_MINOR) {
                    throw new ApiException(400, "client version " + version + " is too new. Maximum supported API "
                            + "version is " + EngineJson.API_VERSION);
                }
                path = m.group(3);
            }
            route(ctx, http, new Request(http.method(), path, uri.parameters(), http.content(), minor, versioned));
        } catch (ApiException e) {
            error(ctx, http, e.status(), e.getMessage());
        } catch (ClusterException e) {
            error(ctx, http, status(e.kind()), e.getMessage());
        } catch (RuntimeException e) {
            error(ctx, http, 500, e.toString());
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

    private void route(ChannelHandlerContext ctx, FullHttpRequest http, Request r) {
        String[] p = r.path().substring(1).split("/", -1);
        String method = r.method().name();
        String first = p[0];
        switch (first) {
            case "_ping" -> {
                if (p.length == 1 && (method.equals("GET") || method.equals("HEAD"))) {
                    ping(ctx, http);
                    return;
                }
            }
            case "version" -> {
                if (p.length == 1 && method.equals("GET")) {
                    json(ctx, http, 200, cluster.read(EngineJson::version));
                    return;
                }
            }
            case "info" -> {
                if (p.length == 1 && method.equals("GET")) {
                    json(ctx, http, 200, cluster.read(EngineJson::info));
                    return;
                }
            }
            case "swarm" -> {
                if (p.length == 1 && method.equals("GET")) {
                    json(ctx, http, 200, cluster.read(EngineJson::swarm));
                    return;
                }
            }
            case "nodes" -> {
                if (method.equals("GET") && p.length == 1) {
                    json(ctx, http, 200, listNodes(r));
                    return;
                }
                if (method.equals("GET") && p.length == 2) {
                    json(ctx, http, 200, cluster.read(c -> EngineJson.node(c.node(p[1]))));
                    return;
                }
            }
            case "services" -> {
                if (services(ctx, http, r, p, method)) {
                    return;
                }
            }
            case "tasks" -> {
                if (method.equals("GET") && p.length == 1) {
                    json(ctx, http, 200, listTasks(r));
                    return;
                }
                if (method.equals("GET") && p.length == 2) {
                    json(ctx, http, 200, cluster.read(c -> EngineJson.task(c.task(p[1]), c)));
                    return;
                }
                if (method.equals("GET") && p.length == 3 && p[2].equals("logs")) {
                    cluster.read(c -> c.task(p[1]));
                    raw(ctx, http, 200, "application/vnd.docker.raw-stream", "");
                    return;
                }
            }
            case "networks" -> {
                if (networks(ctx, http, r, p, method)) {
                    return;
                }
            }
            case "events" -> {
                if (p.length == 1 && method.equals("GET")) {
                    events(ctx, http, r);
                    return;
                }
            }
            case "containers" -> {
                if (method.equals("GET") && p.length == 2 && p[1].equals("json")) {
                    json(ctx, http, 200, JSON.arrayNode());
                    return;
                }
                if (p.length >= 2) {
                    throw new ApiException(404, "No such container: " + p[1]);
                }
            }
            case "images" -> {
                if (method.equals("GET") && p.length == 2 && p[1].equals("json")) {
                    json(ctx, http, 200, JSON.arrayNode());
                    return;
                }
                if (p.length >= 2) {
                    throw new ApiException(404, "No such image: " + String.join("/", List.of(p).subList(1, p.length - 1)));
                }
            }
            case "volumes" -> {
                if (method.equals("GET") && p.length == 1) {
                    ObjectNode out = JSON.objectNode();
                    out.putArray("Volumes");
                    out.putArray("Warnings");
                    json(ctx, http, 200, out);
                    return;
                }
                if (p.length == 2) {
                    throw new ApiException(404, "get " + p[1] + ": no such volume");
                }
            }
            case "secrets", "configs" -> {
                String kind = first.substring(0, first.length() - 1);
                if (method.equals("GET") && p.length == 1) {
                    json(ctx, http, 200, JSON.arrayNode());
                    return;
                }
                if (p.length == 2 && !p[1].equals("create")) {
                    throw new ApiException(404, kind + " " + p[1] + " not found");
                }
                if (p.length == 2) {
                    throw new ApiException(501, kind + "s are not supported by this emulator");
                }
            }
            case "plugins" -> {
                if (method.equals("GET") && p.length == 1) {
                    json(ctx, http, 200, JSON.arrayNode());
                    return;
                }
                if (p.length >= 2) {
                    throw new ApiException(404, "plugin \"" + p[1] + "\" not found");
                }
            }
            case "distribution" -> {
                // No registry behind the emulator: the CLI warns that it cannot pin the image digest and goes on.
                throw new ApiException(403, "image digests cannot be resolved: the emulator has no registry access");
            }
            default -> {
            }
        }
        throw new ApiException(404, "page not found");
    }

    // ------------------------------------------------------------------------------------------------ services

    private boolean services(ChannelHandlerContext ctx, FullHttpRequest http, Request r, String[] p, String method) {
        if (method.equals("GET") && p.length == 1) {
            json(ctx, http, 200, listServices(r));
            return true;
        }
        if (method.equals("POST") && p.length == 2 && p[1].equals("create")) {
            ServiceRecord created = cluster.createService(body(r), r.apiMinor());
            ObjectNode out = JSON.objectNode().put("ID", created.id);
            out.putNull("Warnings");
            json(ctx, http, 201, out);
            return true;
        }
        if (method.equals("GET") && p.length == 2) {
            json(ctx, http, 200, cluster.read(c -> EngineJson.service(c.service(p[1]), false, c)));
            return true;
        }
        if (method.equals("POST") && p.length == 3 && p[2].equals("update")) {
            String raw = r.param("version");
            long version;
            try {
                version = Long.parseUnsignedLong(raw == null ? "" : raw);
            } catch (NumberFormatException e) {
                throw new ApiException(400, "invalid service version '" + (raw == null ? "" : raw)
                        + "': strconv.ParseUint: parsing \"" + (raw == null ? "" : raw) + "\": invalid syntax");
            }
            cluster.updateService(p[1], version, body(r), r.apiMinor());
            ObjectNode out = JSON.objectNode();
            out.putNull("Warnings");
            json(ctx, http, 200, out);
            return true;
        }
        if (method.equals("DELETE") && p.length == 2) {
            cluster.removeService(p[1]);
            raw(ctx, http, 200, "text/plain; charset=utf-8", "");
            return true;
        }
        if (method.equals("GET") && p.length == 3 && p[2].equals("logs")) {
            cluster.read(c -> c.service(p[1]));
            raw(ctx, http, 200, "application/vnd.docker.raw-stream", "");
            return true;
        }
        return false;
    }

    private ArrayNode listServices(Request r) {
        Filters f = Filters.parse(r.param("filters"), SERVICE_FILTERS);
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

    private ObjectNode body(Request r) {
        String text = r.body().toString(StandardCharsets.UTF_8);
        if (text.isBlank()) {
            throw new ApiException(400, "invalid JSON: got EOF while reading request body");
        }
        try {
            JsonNode tree = MAPPER.readTree(text);
            if (!tree.isObject()) {
                throw new ApiException(400, "invalid JSON: expected an object");
            }
            return (ObjectNode) tree;
        } catch (JacksonException e) {
            throw new ApiException(400, "invalid JSON: " + e.getOriginalMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ tasks, nodes

    private ArrayNode listTasks(Request r) {
        Filters f = Filters.parse(r.param("filters"), TASK_FILTERS);
        return cluster.read(c -> {
            List<String> serviceIds = f.get("service").stream().map(ref -> c.service(ref).id).toList();
            List<String> nodeIds = f.get("node").stream().map(ref -> c.node(ref).id).toList();
            ArrayNode out = JSON.arrayNode();
            for (TaskRecord t : c.tasks()) {
                ServiceRecord s = c.services().stream().filter(x -> x.id.equals(t.serviceId)).findFirst().orElse(null);
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
                        && (!f.has("desired-state") || f.get("desired-state").stream().anyMatch(t.desiredState::equalsIgnoreCase))
                        && (!f.has("_up-to-date") || upToDate == Boolean.parseBoolean(f.get("_up-to-date").get(0)))
                        && f.exact("runtime", "container")) {
                    out.add(EngineJson.task(t, c));
                }
            }
            return out;
        });
    }

    private ArrayNode listNodes(Request r) {
        Filters f = Filters.parse(r.param("filters"), NODE_FILTERS);
        return cluster.read(c -> {
            ArrayNode out = JSON.arrayNode();
            for (NodeRecord n : c.nodes()) {
                if (f.prefix("id", n.id) && f.prefix("name", n.hostname) && f.exact("role", n.role)
                        && f.exact("membership", "accepted") && f.labels("node.label", n.labels)
                        && f.labels("label", Map.of())) {
                    out.add(EngineJson.node(n));
                }
            }
            return out;
        });
    }

    // ------------------------------------------------------------------------------------------------ networks

    private boolean networks(ChannelHandlerContext ctx, FullHttpRequest http, Request r, String[] p, String method) {
        if (method.equals("GET") && p.length == 1) {
            Filters f = Filters.parse(r.param("filters"), NETWORK_FILTERS);
            json(ctx, http, 200, cluster.read(c -> {
                ArrayNode out = JSON.arrayNode();
                for (NetworkRecord n : c.networks()) {
                    boolean builtin = n.ingress || n.createdAt.equals(c.createdAt());
                    boolean used = c.services().stream().anyMatch(s -> s.spec.path("TaskTemplate").path("Networks")
                            .findValuesAsString("Target").contains(n.id));
                    if (f.exact("driver", n.driver) && f.prefix("id", n.id) && f.labels("label", n.labels)
                            && (!f.has("name") || f.get("name").stream().anyMatch(n.name::contains))
                            && f.exact("scope", n.scope) && f.exact("type", builtin ? "builtin" : "custom")
                            && (!f.has("dangling") || Boolean.parseBoolean(f.get("dangling").get(0)) == (!used && !builtin))) {
                        out.add(EngineJson.network(n, c));
                    }
                }
                return out;
            }));
            return true;
        }
        if (method.equals("POST") && p.length == 2 && p[1].equals("create")) {
            ObjectNode body = body(r);
            Map<String, String> labels = new LinkedHashMap<>();
            body.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString("")));
            NetworkRecord created = cluster.createNetwork(body.path("Name").asString(""),
                    body.path("Driver").asString("overlay"), body.path("Attachable").asBoolean(false),
                    body.path("Internal").asBoolean(false), labels);
            json(ctx, http, 201, JSON.objectNode().put("Id", created.id).put("Warning", ""));
            return true;
        }
        if (method.equals("GET") && p.length == 2) {
            json(ctx, http, 200, cluster.read(c -> EngineJson.network(c.network(p[1]), c)));
            return true;
        }
        if (method.equals("DELETE") && p.length == 2) {
            cluster.removeNetwork(p[1]);
            raw(ctx, http, 204, null, "");
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------------ events

    private void events(ChannelHandlerContext ctx, FullHttpRequest http, Request r) {
        Filters f = Filters.parse(r.param("filters"), EVENT_FILTERS);
        Long since = eventTime(r.param("since"), "since");
        Long until = eventTime(r.param("until"), "until");
        if (since != null && until != null && until < since) {
            throw new ApiException(400, "`since` time (" + r.param("since") + ") cannot be after `until` time ("
                    + r.param("until") + ")");
        }
        Predicate<EventLog.Event> filter = e -> matches(f, e);
        String contentType = !r.versioned() || r.apiMinor() >= 52 ? "application/jsonl" : "application/json";
        java.time.Duration hold = streams.hold();
        if (!hold.isZero()) {
            ctx.executor().schedule(() -> stream(ctx, contentType, since, until, filter), hold.toNanos(),
                    TimeUnit.NANOSECONDS);
        } else {
            stream(ctx, contentType, since, until, filter);
        }
    }

    private void stream(ChannelHandlerContext ctx, String contentType, Long since, Long until,
                        Predicate<EventLog.Event> filter) {
        if (!ctx.channel().isActive()) {
            return;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        common(head.headers());
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.writeAndFlush(head);

        long now = EngineTime.nanos(cluster.now());
        if (until != null && until <= now) {
            for (EventLog.Event e : cluster.events().between(since == null ? 0 : since, until, filter)) {
                streams.send(ctx.channel(), e);
            }
            EventStreams.end(ctx.channel());
            return;
        }
        streams.opened(ctx.channel());
        EventLog.Subscription subscription = cluster.events().subscribe(since == null ? -1 : since, filter,
                e -> streams.send(ctx.channel(), e));
        ctx.channel().closeFuture().addListener(done -> subscription.cancel());
        if (until != null) {
            ctx.executor().schedule(() -> EventStreams.end(ctx.channel()), until - now, TimeUnit.NANOSECONDS);
        }
    }

    private static Long eventTime(String value, String name) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        Matcher m = EVENT_TIME.matcher(value);
        if (!m.matches()) {
            throw new ApiException(400, "invalid value for '" + name + "': " + value);
        }
        long nanos = m.group(2) == null ? 0 : Long.parseLong((m.group(2) + "000000000").substring(0, 9));
        return Long.parseLong(m.group(1)) * 1_000_000_000L + nanos;
    }

    private static boolean matches(Filters f, EventLog.Event e) {
        for (String other : OTHER_EVENT_TYPES) {
            if (f.has(other) && !e.type().equals(other)) {
                return false;
            }
        }
        String name = e.attributes().getOrDefault("name", "");
        for (String kind : List.of("service", "node", "network")) {
            if (f.has(kind) && !(e.type().equals(kind)
                    && f.get(kind).stream().anyMatch(v -> e.actorId().startsWith(v) || name.startsWith(v)))) {
                return false;
            }
        }
        return f.exact("type", e.type()) && f.exact("event", e.action()) && f.exact("scope", "swarm")
                && f.labels("label", e.attributes());
    }

    // ------------------------------------------------------------------------------------------------ responses

    private static void ping(ChannelHandlerContext ctx, FullHttpRequest http) {
        boolean head = http.method().equals(HttpMethod.HEAD);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer("OK", StandardCharsets.UTF_8));
        common(response.headers());
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set("Swarm", "active/manager")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache, no-store, must-revalidate")
                .set(HttpHeaderNames.PRAGMA, "no-cache")
                .set("Builder-Version", "2")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, head ? 0 : 2);
        ctx.writeAndFlush(response);
    }

    static void json(ChannelHandlerContext ctx, FullHttpRequest http, int status, JsonNode body) {
        raw(ctx, http, status, "application/json", body.toString() + "\n");
    }

    static void error(ChannelHandlerContext ctx, FullHttpRequest http, int status, String message) {
        json(ctx, http, status, JSON.objectNode().put("message", message));
    }

    static void raw(ChannelHandlerContext ctx, FullHttpRequest http, int status, String contentType, String body) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), content);
        common(response.headers());
        if (contentType != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        ctx.writeAndFlush(response);
    }

    private static void common(HttpHeaders headers) {
        headers.set("Api-Version", EngineJson.API_VERSION)
                .set(HttpHeaderNames.SERVER, "Docker/" + EngineJson.ENGINE_VERSION + " (linux)")
                .set("Ostype", "linux")
                .set("Docker-Experimental", "false");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
