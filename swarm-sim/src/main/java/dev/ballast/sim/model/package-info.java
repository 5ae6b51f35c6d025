/**
 * The emulated cluster's state and orchestration, laid out as swarmkit lays out a manager. No I/O: what tasks run is
 * delegated to {@link dev.ballast.sim.model.Workloads}.
 *
 * <ul>
 *   <li>{@link dev.ballast.sim.model.Cluster}: the requests that change the swarm, checked the engine's way, and
 *       {@code read} for a consistent view; the entry point for the API.</li>
 *   <li>{@link dev.ballast.sim.model.ClusterStore}: the state (nodes, networks, services, tasks, secrets, the version
 *       index, the {@link dev.ballast.sim.model.EventLog}) and the engine's lookup order. Its monitor is the one lock; the
 *       records are mutable and must only be touched under it.</li>
 *   <li>{@code SpecNormalizer}: a client's service spec turned into the engine's view of it.</li>
 *   <li>{@code Secrets}: Docker secrets (data kept, never handed out) and the references services make to them.</li>
 *   <li>{@code NetworkAllocator}: the IPAM, an {@link dev.ballast.sim.model.AddressPool} per overlay network, with
 *       service endpoints (virtual IPs, published ports) and task addresses.</li>
 *   <li>{@code Orchestrator}: tasks from services (scale, replace failed tasks, rolling updates, kill), on a tick;
 *       {@code TaskLifecycle} moves one task through its states and runs its workload; {@code Placement} decides
 *       where; {@code VipPublisher} points virtual IPs at running tasks.</li>
 * </ul>
 */
package dev.ballast.sim.model;
