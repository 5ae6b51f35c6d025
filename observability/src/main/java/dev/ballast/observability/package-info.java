/**
 * Operational support shared by the controller, the dataplane and the emulator; see the {@code netty} package.
 */
package dev.ballast.observability;
