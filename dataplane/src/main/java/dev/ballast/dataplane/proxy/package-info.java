/**
 * The streaming HTTP/1.1 proxy: {@link dev.ballast.dataplane.proxy.ProxyHandler} on each client connection,
 * {@link dev.ballast.dataplane.proxy.UpstreamHandler} on each upstream connection, the upstream sets per route in
 * {@link dev.ballast.dataplane.proxy.Upstreams}. Bodies are relayed chunk by chunk; a side reads its next chunk only
 * after the other side accepted the previous one, so a slow peer slows the transfer instead of filling memory.
 */
package dev.ballast.dataplane.proxy;
