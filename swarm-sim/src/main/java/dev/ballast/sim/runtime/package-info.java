/**
 * What emulated tasks run: a real whoami HTTP server per task on its loopback addresses (for the whoami images),
 * nothing for other images, and a round-robin TCP forwarder per service virtual IP, like IPVS. All of it on the
 * emulator's Netty event loops.
 */
package dev.ballast.sim.runtime;
