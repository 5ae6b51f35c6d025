package dev.ballast.dataplane;

import dev.ballast.schema.RouteJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Docker Flow Proxy's push API on a replica's admin listener, forwarded to a controller: a swarm listener still
 * pointed at the proxy ({@code DF_NOTIFY_CREATE_SERVICE_URL=http://proxy:8080/v1/docker-flow-proxy/reconfigure})
 * keeps working, the controller owning the routes.
 *
 * <p>The request goes as received (method, path, query, body and its {@code Content-Type}) to the first
 * {@code --controller} that answers, in the order given; whatever that controller answers (status, body and its
 * {@code Content-Type}) is relayed, errors included. A controller that cannot be reached or does not answer within the
 * timeout is skipped; when none answers, the answer is a 502 naming each and why. Asynchronous (the JDK client's own
 * threads): the admin event loop never waits.
 */
final class ControllerForwarder {

    /** The Docker Flow Proxy endpoints forwarded. */
    static final Set<String> PATHS = Set.of("/v1/docker-flow-proxy/reconfigure", "/v1/docker-flow-proxy/remove",
            "/v1/docker-flow-proxy/cert");

    /** What the client gets: a controller's answer, or the replica's own 502. */
    record Answer(int status, String contentType, byte[] body, URI controller) {
    }

    private final List<URI> controllers;
    private final Duration timeout;
    private final HttpClient http;
    private final Optional<String> authorization;

    /**
     * @param controllers controller base URLs, tried in this order
     * @param timeout how long one controller may take to answer (connecting included)
     * @param token the bearer token sent with every call (the controller's {@code --token-file})
     */
    ControllerForwarder(List<URI> controllers, Duration timeout, Optional<String> token) {
        if (controllers.isEmpty()) {
            throw new IllegalArgumentException("controllers: at least one is needed");
        }
        this.controllers = List.copyOf(controllers);
        this.timeout = timeout;
        this.authorization = token.map(t -> "Bearer " + t);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout : Duration.ofSeconds(2))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    List<URI> controllers() {
        return controllers;
    }

    /**
     * Forwards one request; the future never fails (a failure is a 502 answer).
     *
     * @param uri the request target as received: path and query
     * @param contentType the request's {@code Content-Type}, or {@code null}
     * @throws IllegalArgumentException when {@code uri} cannot be sent on (not a valid URI)
     */
    CompletableFuture<Answer> forward(String method, String uri, String contentType, byte[] body) {
        List<URI> targets = new ArrayList<>();
        for (URI controller : controllers) {
            String base = controller.toString();
            targets.add(URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + uri));
        }
        return attempt(0, targets, method, contentType, body, new ArrayList<>());
    }

    private CompletableFuture<Answer> attempt(int index, List<URI> targets, String method, String contentType,
                                              byte[] body, List<String> failures) {
        if (index == targets.size()) {
            String message = "no controller answered: " + String.join("; ", failures);
            Map<String, String> out = new LinkedHashMap<>();
            out.put("Status", "NOK");
            out.put("Message", message);
            byte[] json = RouteJson.writeBytes(out);
            return CompletableFuture.completedFuture(new Answer(502, "application/json", json, null));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(targets.get(index)).timeout(timeout)
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        authorization.ifPresent(value -> request.header("Authorization", value));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        URI controller = controllers.get(index);
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                // the request timeout covers the head; a body that never ends is cut here
                .orTimeout(timeout.toMillis() * 2, TimeUnit.MILLISECONDS)
                .thenApply(r -> new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null),
                        r.body(), controller))
                .exceptionallyCompose(e -> {
                    failures.add(controller + ": " + describe(e));
                    return attempt(index + 1, targets, method, contentType, body, failures);
                });
    }

    private String describe(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        if (cause instanceof java.net.ConnectException) {
            return "cannot connect" + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
