/**
 * Netty support shared by every process: the transport choice (native epoll where available, NIO elsewhere) and
 * leak counting.
 */
package dev.ballast.observability.netty;
