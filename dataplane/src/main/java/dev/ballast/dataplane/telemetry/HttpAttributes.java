package dev.ballast.dataplane.telemetry;

import io.opentelemetry.api.common.AttributeKey;

/** The OpenTelemetry HTTP semantic-convention attributes the dataplane's spans and metrics share. */
final class HttpAttributes {

    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");

    private HttpAttributes() {
    }
}
