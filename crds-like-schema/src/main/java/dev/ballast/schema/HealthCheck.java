package dev.ballast.schema;

import java.time.Duration;
import java.util.Objects;

/** Active HTTP health check of a route's endpoints. */
public record HealthCheck(String path, Duration interval, Duration timeout, Integer unhealthyThreshold,
                          Integer healthyThreshold) {

    public HealthCheck {
        Objects.requireNonNull(path, "path");
        interval = interval == null ? Duration.ofSeconds(10) : interval;
        timeout = timeout == null ? Duration.ofSeconds(2) : timeout;
        unhealthyThreshold = unhealthyThreshold == null ? 3 : unhealthyThreshold;
        healthyThreshold = healthyThreshold == null ? 2 : healthyThreshold;
    }
}
