/**
 * Operational support shared by the controller, the dataplane and the emulator; see the {@code netty} and
 * {@code telemetry} packages.
 */
package dev.ballast.observability;
