package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.access.AccessPolicy;
import dev.ballast.dataplane.routing.RoutingTable;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every client connection shares: the routing table in force (swapped whole for a new snapshot; a request reads
 * it once), the upstream sets, the access policy and the timeouts.
 */
public record ProxyContext(AtomicReference<RoutingTable> table, Upstreams upstreams, AccessPolicy access,
                           Duration connectTimeout, Duration serverTimeout, Duration requestTimeout,
                           Duration keepAliveTimeout) {
}
