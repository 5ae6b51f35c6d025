package dev.ballast.controller.api;

import static dev.ballast.controller.api.Responses.json;

import dev.ballast.certificates.CertificateReport;
import dev.ballast.controller.acme.AcmeReport;
import dev.ballast.controller.certificates.CertificateStore;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Docker Flow Proxy's certificate API: {@code PUT /v1/docker-flow-proxy/cert?certName=NAME} with the PEM chain and key
 * as the body (whatever the content type: its clients send it raw), {@code DELETE} the same, and
 * {@code GET /v1/docker-flow-proxy/certs}. Answers keep Docker Flow's {@code Status} and {@code Message}; the list
 * names each certificate with its hosts, issuer, not-after and condition, never its key (Docker Flow's listed the
 * content, for its replicas to copy; here replicas get certificates in snapshots).
 */
final class CertificateEndpoints extends Endpoint {

    private static final String CERT = "/v1/docker-flow-proxy/cert";
    private static final String CERTS = "/v1/docker-flow-proxy/certs";

    private final CertificateStore store;
    private final Clock clock;
    /** Whether replicas receive keys (a token is set); said in each answer, since a push that reaches none is odd. */
    private final boolean distributed;
    private final Supplier<List<AcmeReport>> acme;

    CertificateEndpoints(CertificateStore store, Clock clock, boolean distributed, Supplier<List<AcmeReport>> acme) {
        super(Set.of(CERT, CERTS));
        this.acme = acme;
        this.store = store;
        this.clock = clock;
        this.distributed = distributed;
    }

    @Override
    void handle(ChannelHandlerContext ctx, ApiRequest request) {
        HttpMethod method = request.message().method();
        if (request.path().equals(CERTS)) {
            List<CertificateReport> reports = store.reports(clock.instant());
            Map<String, Object> body = answer("OK", reports.size() + " certificate(s)" + note());
            body.put("Certs", reports);
            body.put("Acme", acme.get());
            json(ctx, 200, body);
        } else if (method.equals(HttpMethod.PUT) || method.equals(HttpMethod.POST)) {
            String name = request.params().get("certName");
            String pem = request.message().content().toString(StandardCharsets.ISO_8859_1);
            store.putLater(name, pem).whenCompleteAsync((kept, failure) -> {
                if (failure == null) {
                    json(ctx, 200, answer("OK", "certificate " + name + " stored" + (store.persistent() ? ""
                            : " in memory only (no --state-dir: lost on restart)") + note()));
                } else {
                    refused(ctx, failure);
                }
            }, ctx.executor());
        } else if (method.equals(HttpMethod.DELETE)) {
            String name = request.params().get("certName");
            store.deleteLater(name).whenCompleteAsync((deleted, failure) -> {
                if (failure != null) {
                    refused(ctx, failure);
                } else if (deleted) {
                    json(ctx, 200, answer("OK", "certificate " + name + " deleted"));
                } else {
                    json(ctx, 404, answer("NOK", "no pushed certificate named " + name));
                }
            }, ctx.executor());
        } else {
            json(ctx, 405, answer("NOK", CERT + " takes PUT (the PEM as the body) or DELETE, with certName"));
        }
    }

    /** 400 for what the store found wrong with the request (its reason), 500 when keeping it failed. */
    private static void refused(ChannelHandlerContext ctx, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        json(ctx, cause instanceof IllegalArgumentException ? 400 : 500, answer("NOK", cause.getMessage()));
    }

    private String note() {
        return distributed ? "" : "; not distributed to replicas: the controller has no --token-file";
    }

    private static Map<String, Object> answer(String status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Status", status);
        body.put("Message", message);
        return body;
    }
}
