/**
 * What the proxy changes in a request on its way up and in a response on its way back: the path rewrite, hop-by-hop
 * headers, {@code X-Forwarded-*} and {@code Forwarded}, the rule's header operations; the framing checks that
 * refuse ambiguous requests and responses, and the byte-level reading of response heads and chunked bodies, strict
 * wherever another parser could read the same bytes differently (request and response smuggling); which responses are compressed ({@code CompressionPolicy}) and the
 * compression of their bodies as they pass ({@code BodyEncoder}). Operates on Netty's {@code HttpHeaders} and buffers;
 * no channels.
 */
package dev.ballast.dataplane.exchange;
