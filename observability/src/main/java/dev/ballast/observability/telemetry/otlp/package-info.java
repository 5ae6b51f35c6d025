/**
 * OTLP/HTTP span export for the request path's span rate: an encoder that writes the bytes the SDK's marshaller
 * writes in one pass, and a poster that hands them to the receiver over one kept-alive connection from the exporting
 * thread. Used by {@code Telemetry} in place of the SDK's exporter where the settings allow.
 */
package dev.ballast.observability.telemetry.otlp;
