/**
 * The controller: a level-triggered reconciliation loop that turns what the sources say now (Swarm labels via
 * docker-java, GitOps route files, the Docker Flow push API) into one content-hashed snapshot, and serves it to
 * dataplane replicas that pull it.
 *
 * <p>Packages, each depending only on the ones before it: {@code swarm}, {@code gitops}, {@code push} (sources, each
 * keeping its last good state); {@code desired} (merging sources into routes, endpoints and statuses);
 * {@code snapshot} (published versions, history for deltas, parked pulls); {@code replicas} (what each replica has
 * applied); {@code api} (HTTP). {@link dev.ballast.controller.Controller} wires them and runs the loop.
 */
package dev.ballast.controller;
