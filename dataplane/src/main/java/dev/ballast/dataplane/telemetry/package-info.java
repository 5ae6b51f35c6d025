/**
 * The dataplane's metrics (OpenTelemetry instruments, scraped as Prometheus text at the admin listener's
 * {@code /metrics}). Attributes are route names, methods, status codes and endpoint addresses, never paths, so their
 * number stays bounded by the configuration.
 */
package dev.ballast.dataplane.telemetry;
