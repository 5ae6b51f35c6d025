/**
 * Operational visibility shared by the controller and the dataplane. For now: {@link
 * dev.ballast.observability.NettyLeaks}, which counts Netty buffer leaks so that tests can fail on them and processes
 * can report them.
 */
package dev.ballast.observability;
