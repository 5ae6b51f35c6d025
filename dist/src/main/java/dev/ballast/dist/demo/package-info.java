/**
 * {@code ballast demo}: the Docker Flow Proxy tutorial on one machine. The emulator's {@code proxy} stack is the demo's
 * own controller and replicas ({@link dev.ballast.dist.demo.ProxyStack}), started and stopped as the emulator's
 * orchestrator starts and stops their tasks, and logging to those tasks' logs.
 */
package dev.ballast.dist.demo;
