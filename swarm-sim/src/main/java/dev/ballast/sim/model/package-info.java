/**
 * The emulated cluster's state and orchestration: nodes, networks, services, tasks, the event log. No I/O: what tasks
 * run is delegated to {@link dev.ballast.sim.model.Workloads}. Every mutation goes through
 * {@link dev.ballast.sim.model.Cluster}, which is the one lock; records are mutable and must only be touched under it.
 */
package dev.ballast.sim.model;
