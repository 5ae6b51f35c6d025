package dev.ballast.dataplane.telemetry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per response the proxy sends, on the logger {@code ballast.access} (asynchronous, never blocking, stdout in
 * the packaged configuration), when {@code --access-log} is on:
 *
 * <pre>CLIENT "METHOD TARGET" STATUS DURATION_MS ROUTE UPSTREAM</pre>
 *
 * <p>for instance {@code 10.0.0.7 "GET /http/hello" 200 1.204 http 10.0.1.5:8080}; {@code -} stands for no route
 * (404) and for no upstream (an answer of the proxy's own). TARGET is the request target as the client sent it. The
 * same fields are attached as key-value pairs, which {@code --log-format json} writes as JSON fields.
 */
public final class AccessLog {

    private static final Logger LOG = LoggerFactory.getLogger("ballast.access");

    private final boolean enabled;

    public AccessLog(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    public void log(String client, String method, String target, int status, long nanos, String route,
                    String upstream) {
        if (!enabled) {
            return;
        }
        String millis = String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
        String r = route == null ? "-" : route;
        String u = upstream == null ? "-" : upstream;
        LOG.atInfo().addKeyValue("client", client).addKeyValue("method", method).addKeyValue("target", target)
                .addKeyValue("status", status).addKeyValue("duration_ms", millis).addKeyValue("route", r)
                .addKeyValue("upstream", u)
                .log("{} \"{} {}\" {} {} {} {}", client, method, target, status, millis, r, u);
    }
}
