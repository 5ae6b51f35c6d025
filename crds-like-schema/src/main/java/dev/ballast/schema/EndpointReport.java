package dev.ballast.schema;

/**
 * What one replica knows of one endpoint address it sends to, as it reports it with its pulls (the controller shows
 * it on its dashboard).
 *
 * @param address {@code host:port}, the rule's port filled in
 * @param inFlight requests (or TCP connections) under way to it now
 * @param latencyMs the peak-EWMA latency estimate its balancer uses, in milliseconds
 * @param ejections how many times the outlier detector has ejected it
 * @param ejected whether it is ejected now
 * @param healthy whether it passes its route's health check; null when it has none
 */
public record EndpointReport(String address, int inFlight, double latencyMs, int ejections, boolean ejected,
                             Boolean healthy) {
}
