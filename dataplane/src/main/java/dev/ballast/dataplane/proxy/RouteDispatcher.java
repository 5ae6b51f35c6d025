package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.access.Access;
import dev.ballast.dataplane.connection.LingeringClose;
import dev.ballast.dataplane.exchange.Framing;
import dev.ballast.dataplane.exchange.HeaderRewrite;
import dev.ballast.dataplane.limits.Admission;
import dev.ballast.dataplane.limits.Refusal;
import dev.ballast.dataplane.routing.Match;
import dev.ballast.dataplane.routing.RequestFacts;
import dev.ballast.dataplane.routing.RequestPath;
import dev.ballast.schema.AcmeChallenge;
import dev.ballast.schema.RateLimit;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides what becomes of each request head: the proxy answers it itself — 400, 414 or 431 for a request it cannot
 * read (or with more header fields than allowed), 400 for ambiguous framing or a path that cannot be normalised, an
 * ACME challenge the snapshot carries, 404 when no route matches, 405 for a refused method, the refusals of the
 * rule's limits (403, 429, 413), a redirect, 401 or 403 from the route's access rules, 503 when the route has no
 * healthy endpoint — or it goes on as a {@link RoutedRequest}, its head readied for the upstream (its path
 * normalised unless the rule keeps it raw), followed by its body parts. A request
 * answered here has its body dropped by the {@link RequestQueue}, which this handler tells when the answer is sent.
 */
final class RouteDispatcher extends ChannelInboundHandlerAdapter {

    /** Where the ACME CA fetches HTTP-01 answers; those in the snapshot are answered here on plain listeners. */
    private static final String ACME_CHALLENGES = "/.well-known/acme-challenge/";

    private final ProxyContext context;
    private final RequestQueue queue;
    private final RequestObserver observer;
    private final ClientConnection connection;
    private boolean draining;

    RouteDispatcher(ProxyContext context, RequestQueue queue, RequestObserver observer, ClientConnection connection) {
        this.context = context;
        this.queue = queue;
        this.observer = observer;
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            dispatch(ctx, request);
        } else {
            ctx.fireChannelRead(msg); // a body part of the routed request under way
        }
    }

    private void dispatch(ChannelHandlerContext ctx, HttpRequest request) {
        observer.begin(request.method().name(), request.uri(), System.nanoTime());
        String target = originForm(request.uri());
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            ReferenceCountUtil.release(request);
            HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : HttpResponseStatus.BAD_REQUEST;
            answer(ctx, Responses.error(context.errorPages(), status, "bad request: " + cause.getMessage(), false),
                    false);
            return;
        }
        if (request.headers().size() > context.admission().maxHeaders()) {
            ReferenceCountUtil.release(request);
            refuse(ctx, Refusal.TOO_MANY_HEADERS, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "bad request: more than " + context.admission().maxHeaders() + " header fields", false);
            return;
        }
        String framing = Framing.problem(request.headers()).orElse(null);
        if (framing != null) {
            ReferenceCountUtil.release(request);
            answer(ctx, Responses.error(context.errorPages(), HttpResponseStatus.BAD_REQUEST, "bad request: " + framing,
                    false), false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String host = request.headers().get(HttpHeaderNames.HOST, "");
        int query = target.indexOf('?');
        String rawPath = query < 0 ? target : target.substring(0, query);
        RequestPath.Result normalized = RequestPath.normalize(rawPath);
        if (!(normalized instanceof RequestPath.Result.Normalized canonical)) {
            ReferenceCountUtil.release(request);
            refuse(ctx, Refusal.PATH, HttpResponseStatus.BAD_REQUEST, "bad request: "
                    + ((RequestPath.Result.Refused) normalized).reason(), false);
            return;
        }
        String path = canonical.path();
        observer.trace(request.headers(), path, host);
        if (!connection.secure() && path.startsWith(ACME_CHALLENGES)) {
            Optional<AcmeChallenge> challenge = context.table().get().snapshot()
                    .challenge(path.substring(ACME_CHALLENGES.length()));
            if (challenge.isPresent()) {
                // before routing: the CA must get the answer whatever the routes say about this host or path
                ReferenceCountUtil.release(request);
                answer(ctx, Responses.exact(HttpResponseStatus.OK, challenge.get().keyAuthorization(), keepAlive),
                        keepAlive);
                return;
            }
        }
        Match match = context.table().get().match(new RequestFacts(request.method().name(), host, path,
                name -> request.headers().get(name), connection.listenerPort()));
        if (!(match instanceof Match.Matched matched)) {
            ReferenceCountUtil.release(request);
            if (match instanceof Match.MethodNotAllowed refused) {
                observer.routed(refused.route().name());
                FullHttpResponse response = Responses.error(context.errorPages(),
                        HttpResponseStatus.METHOD_NOT_ALLOWED, "route " + refused.route().name() + ": method "
                                + request.method() + " not allowed", keepAlive);
                response.headers().set(HttpHeaderNames.ALLOW, String.join(", ", refused.allow()));
                answer(ctx, response, keepAlive);
            } else {
                answer(ctx, Responses.error(context.errorPages(), HttpResponseStatus.NOT_FOUND,
                        "no route for " + host + path, keepAlive), keepAlive);
            }
            return;
        }
        observer.routed(matched.route().name());
        if (refused(ctx, request, matched, canonical, keepAlive)) {
            ReferenceCountUtil.release(request);
            return;
        }
        // read before the forwarding headers are set: the scheme is the client side's
        String scheme = connection.scheme(request.headers());
        Access access = context.access().decide(matched.route(), matched.rule(), matched.credentials(),
                matched.fromDomain(), scheme, host, target, name -> request.headers().get(name));
        if (!(access instanceof Access.Proceed)) {
            ReferenceCountUtil.release(request);
            answer(ctx, refusal(access, context.errorPages(), keepAlive), keepAlive);
            return;
        }
        Upstreams.Set set = context.upstreams().of(matched.route(), matched.rule(), matched.endpoints());
        if (set.upstreams().isEmpty() || !set.anyHealthy()) {
            ReferenceCountUtil.release(request);
            answer(ctx, Responses.error(context.errorPages(), HttpResponseStatus.SERVICE_UNAVAILABLE, "route "
                    + matched.route().name()
                    + ": no healthy endpoint" + (set.upstreams().isEmpty() ? ""
                    : " (every one fails its health check)"), keepAlive), keepAlive);
            return;
        }
        String upgrade = upgradeOf(request);
        StickyCookie.Pin pin = set.sticky() == null ? null
                : set.sticky().read(request.headers().getAll(HttpHeaderNames.COOKIE), scheme.equals("https"));
        // the same instance when normalising changed nothing: the target goes as it came, nothing copied
        String upstreamTarget = matched.rewrite().apply(matched.rule().rawPath() || path == rawPath ? target
                : query < 0 ? path : path + target.substring(query));
        HttpRequest head = request instanceof HttpContent
                // a head that carries a body part too: the head goes on its own
                ? new DefaultHttpRequest(request.protocolVersion(), request.method(), upstreamTarget,
                        request.headers().copy())
                // the usual case: the decoded head itself is readied for the upstream, nothing copied
                : request.setUri(upstreamTarget);
        head.headers().remove(HttpHeaderNames.EXPECT); // answered by HttpServerExpectContinueHandler
        HeaderRewrite.request(head.headers(), matched.rule(), matched.credentials().required(),
                connection.clientAddress(), connection.ownScheme(), connection.trustedSource());
        HttpUtil.setKeepAlive(head, true);
        if (upgrade != null) {
            HeaderRewrite.upgrade(head.headers(), upgrade);
        }
        ctx.fireChannelRead(new RoutedRequest(head, matched.route(), matched.rule(), set, keepAlive, upgrade,
                pin, matched.limits().maxBodyBytes(context.admission().maxBodyBytes())));
        if (request instanceof HttpContent content) { // the body part it carried goes on as a part of its own
            ctx.fireChannelRead(content instanceof LastHttpContent last
                    ? new DefaultLastHttpContent(content.content(), last.trailingHeaders())
                    : new DefaultHttpContent(content.content()));
        }
    }

    /**
     * The target in origin form (path and query): an absolute-form one ({@code http://host/path}, RFC 9112 3.2.2,
     * which servers must accept) loses its scheme and authority; any other is as it came.
     */
    private static String originForm(String target) {
        int authority = target.startsWith("/") ? -1 : target.indexOf("://");
        if (authority <= 0 || !target.regionMatches(true, 0, "http", 0, 4)) {
            return target;
        }
        int path = target.indexOf('/', authority + 3);
        int query = target.indexOf('?', authority + 3);
        if (query >= 0 && (path < 0 || query < path)) {
            return "/" + target.substring(query);
        }
        return path < 0 ? "/" : target.substring(path);
    }

    /**
     * Whether a limit refuses the matched request, which is then answered: a client outside the rule's source ranges
     * (403), over the route's rate (429, with when to try again), a path with an encoded slash the rule does not
     * take raw (400), a declared body over the rule's maximum (413; a body without a length is measured as it comes,
     * by {@link RequestBodyLimit}).
     */
    private boolean refused(ChannelHandlerContext ctx, HttpRequest request, Match.Matched matched,
                            RequestPath.Result.Normalized path, boolean keepAlive) {
        Admission admission = context.admission();
        RateLimit rate = matched.route().spec().rateLimit();
        boolean ranges = !matched.limits().sources().isEmpty();
        // read only for the routes that limit by client: most requests pay nothing here
        String client = ranges || rate != null ? connection.client(request.headers()) : null;
        String route = matched.route().name();
        if (ranges && !matched.limits().admits(NetUtil.createInetAddressFromIpAddressString(client))) {
            refuse(ctx, Refusal.SOURCE_RANGE, HttpResponseStatus.FORBIDDEN, "route " + route + ": address " + client
                    + " not allowed", keepAlive);
            return true;
        }
        long wait = rate == null ? 0 : admission.rateLimits().take(route, rate, client, System.nanoTime());
        if (wait > 0) {
            FullHttpResponse tooMany = Responses.error(context.errorPages(), HttpResponseStatus.TOO_MANY_REQUESTS,
                    "route " + route + ": too many requests", keepAlive);
            tooMany.headers().set(HttpHeaderNames.RETRY_AFTER, Math.max(1, (wait + 999_999_999) / 1_000_000_000));
            observer.refused(Refusal.RATE_LIMITED);
            answer(ctx, tooMany, keepAlive);
            return true;
        }
        if (path.encodedSlash() && !matched.rule().rawPath()) {
            refuse(ctx, Refusal.PATH, HttpResponseStatus.BAD_REQUEST, "bad request: an encoded slash (%2F or %5C) in"
                    + " the path", keepAlive);
            return true;
        }
        long maxBody = matched.limits().maxBodyBytes(admission.maxBodyBytes());
        if (maxBody > 0 && HttpUtil.getContentLength(request, -1L) > maxBody) {
            // closed after the answer: the body is not read
            refuse(ctx, Refusal.BODY_TOO_LARGE, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "route " + route
                    + ": request body over " + maxBody + " bytes", false);
            return true;
        }
        return false;
    }

    /** Answers a request a limit refused, counted and logged with the reason. */
    private void refuse(ChannelHandlerContext ctx, Refusal reason, HttpResponseStatus status, String message,
                        boolean keepAlive) {
        observer.refused(reason);
        answer(ctx, Responses.error(context.errorPages(), status, message, keepAlive), keepAlive);
    }

    /**
     * The protocol of an {@code Upgrade} request ({@code Connection: upgrade} with an {@code Upgrade} header), or null.
     * An offer of {@code h2c} is the client's to the proxy (taken up before this handler when it can be): struck from
     * the request, never forwarded as an upgrade to an upstream.
     */
    private static String upgradeOf(HttpRequest request) {
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null
                || !request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return null;
        }
        if (upgrade.toLowerCase(Locale.ROOT).contains("h2c")) {
            StringBuilder others = new StringBuilder();
            for (String protocol : upgrade.split(",")) {
                if (!protocol.trim().equalsIgnoreCase("h2c")) {
                    others.append(others.length() == 0 ? "" : ", ").append(protocol.trim());
                }
            }
            if (others.length() == 0) {
                request.headers().remove(HttpHeaderNames.UPGRADE);
                return null;
            }
            upgrade = others.toString();
            request.headers().set(HttpHeaderNames.UPGRADE, upgrade);
        }
        return upgrade;
    }

    /** A redirect (always the built-in answer), 401 or 403 (the operator's page if there is one). */
    private static FullHttpResponse refusal(Access access, ErrorPages pages, boolean keepAlive) {
        FullHttpResponse response;
        if (access instanceof Access.Redirect r) {
            response = Responses.text(HttpResponseStatus.valueOf(r.status()), "redirecting to " + r.location(), keepAlive);
            response.headers().set(HttpHeaderNames.LOCATION, r.location());
        } else if (access instanceof Access.Unauthorized u) {
            response = Responses.error(pages, HttpResponseStatus.UNAUTHORIZED, "authentication required", keepAlive);
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, u.challenge());
        } else {
            response = Responses.error(pages, HttpResponseStatus.FORBIDDEN, ((Access.Forbidden) access).reason(),
                    keepAlive);
        }
        return response;
    }

    /** Sends the proxy's own answer; the connection closes after it unless both sides keep it. */
    private void answer(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        observer.answered(response.status().code(), null);
        if (HttpMethod.HEAD.name().equals(observer.method())) {
            response.content().clear(); // its Content-Length stays: the length a GET would have had
        }
        if (draining && keepAlive) {
            HttpUtil.setKeepAlive(response, false);
            keepAlive = false;
        }
        ChannelFuture written = ctx.writeAndFlush(response);
        if (keepAlive) {
            queue.done();
        } else {
            written.addListener(LingeringClose.AFTER_WRITE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == ClientPipeline.DRAIN) {
            draining = true;
        }
        ctx.fireUserEventTriggered(event);
    }
}
