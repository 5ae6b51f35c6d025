/**
 * What the proxy changes in a request on its way up and in a response on its way back: the path rewrite, hop-by-hop
 * headers, {@code X-Forwarded-*} and {@code Forwarded}, the rule's header operations; and the framing checks that
 * refuse ambiguous requests (request smuggling). Operates on Netty's {@code HttpHeaders}; no channels.
 */
package dev.ballast.dataplane.exchange;
