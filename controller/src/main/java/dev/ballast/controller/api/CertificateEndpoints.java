package dev.ballast.controller.api;

import static dev.ballast.controller.api.Responses.json;

import dev.ballast.certificates.CertificateReport;
import dev.ballast.controller.certificates.CertificateStore;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    CertificateEndpoints(CertificateStore store, Clock clock, boolean distributed) {
        super(Set.of(CERT, CERTS));
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
            json(ctx, 200, body);
        } else if (method.equals(HttpMethod.PUT) || method.equals(HttpMethod.POST)) {
            String name = request.params().get("certName");
            String pem = request.message().content().toString(StandardCharsets.ISO_8859_1);
            store.put(name, pem); // IllegalArgumentException: 400 with the reason
            json(ctx, 200, answer("OK", "certificate " + name + " stored"
                    + (store.persistent() ? "" : " in memory only (no --state-dir: lost on restart)") + note()));
        } else if (method.equals(HttpMethod.DELETE)) {
            String name = request.params().get("certName");
            if (store.delete(name)) {
                json(ctx, 200, answer("OK", "certificate " + name + " deleted"));
            } else {
                json(ctx, 404, answer("NOK", "no pushed certificate named " + name));
            }
        } else {
            json(ctx, 405, answer("NOK", CERT + " takes PUT (the PEM as the body) or DELETE, with certName"));
        }
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
