/**
 * swarm-sim: an emulator of the Docker Engine API's Swarm subset, faithful enough that docker-java and the real
 * {@code docker} CLI accept it, for tests and for the demo. Start one with {@link dev.ballast.sim.SwarmSim#start}.
 *
 * <p>Layers, each depending only on those before it: {@code model} (the cluster's state and its orchestration, no
 * I/O), {@code runtime} (what tasks run: in-process whoami servers on loopback addresses, VIP forwarders) and
 * {@code api} (the HTTP API over TCP or a unix socket, plus the {@code /_sim} side door for fault injection).
 */
package dev.ballast.sim;
