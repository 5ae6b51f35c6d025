/**
 * The streaming HTTP proxy. Each client connection's pipeline, composed by
 * {@link dev.ballast.dataplane.proxy.ClientPipeline}, in order (for HTTP/1.1; an HTTP/2 connection — ALPN {@code h2},
 * the preface on a plain listener, or an {@code Upgrade: h2c} — gets the handlers of
 * {@link dev.ballast.dataplane.http2.Http2Server} instead of the codec, and each of its streams the handlers from the
 * expect-continue one on, behind a {@link dev.ballast.dataplane.http2.ServerStreamCodec}: one dispatch path):
 * <ol>
 *   <li>{@link dev.ballast.dataplane.proxy.ProxyProtocolDetector}: looks at the first bytes; a PROXY protocol header
 *   (v1 or v2) from one of {@code --trusted-proxies} goes to Netty's {@code HAProxyMessageDecoder} and
 *   {@link dev.ballast.dataplane.proxy.ProxyProtocolReader}, which take the client's address from it; one from anyone
 *   else is refused. Once the client's address is known, these handlers leave and the others are added for it (the
 *   bytes read so far go on to them).</li>
 *   <li>On a TLS listener whose port has SNI routes, {@link dev.ballast.dataplane.proxy.SniRouter}: reads the
 *   ClientHello's server name without terminating; a name an SNI rule accepts leaves the pipeline to the TCP relay
 *   below (ClientHello first), any other goes on here.</li>
 *   <li>On a TLS listener, the handlers of its {@link dev.ballast.dataplane.tls.TlsTermination}: bytes in and out
 *   decrypted and encrypted.</li>
 *   <li>On a TLS listener, {@link dev.ballast.dataplane.http2.AlpnSwitch}, on a plain one
 *   {@link dev.ballast.dataplane.http2.PrefaceDetector}: chooses HTTP/2 or HTTP/1.1, adds its handlers, leaves.</li>
 *   <li>{@code HttpRequestDecoder}: bytes in, {@code HttpRequest} and {@code HttpContent} out (a body that fails to
 *   decode arrives as a failed last part).</li>
 *   <li>{@code HttpResponseEncoder}: encodes the proxy's own answers; upstream responses are written past it as
 *   bytes.</li>
 *   <li>On a plain listener, {@link dev.ballast.dataplane.http2.H2cUpgrade}: switches to HTTP/2 after an
 *   {@code Upgrade: h2c}.</li>
 *   <li>{@code HttpServerExpectContinueHandler}: answers {@code Expect: 100-continue}.</li>
 *   <li>{@link dev.ballast.dataplane.proxy.ClientTimeouts}: passes everything on; closes a connection that sends no
 *   request head in time, fires {@code CLIENT_STALLED} when the awaited client makes no progress.</li>
 *   <li>{@link dev.ballast.dataplane.proxy.MinimumBodyRate} (unless {@code --min-request-body-rate} is 0): cuts off
 *   a request body that comes slower than the minimum while the proxy waits for it.</li>
 *   <li>{@link dev.ballast.dataplane.proxy.RequestQueue}: passes one request (head and body) at a time, holds
 *   pipelined ones, drops a body answered early, asks for reads.</li>
 *   <li>{@link dev.ballast.dataplane.proxy.RouteDispatcher}: takes request heads; writes the proxy's own answers
 *   (400, 404, 405, redirects, 401, 403, 503, and the refusals of limits: 403 for a source outside the rule's
 *   ranges, 429 over the route's rate, 413 for a declared body over the maximum, 431 for too many header fields),
 *   after normalising the path ({@link dev.ballast.dataplane.routing.RequestPath}), else emits a
 *   {@link dev.ballast.dataplane.proxy.RoutedRequest}
 *   (with what its sticky-session cookie says, {@link dev.ballast.dataplane.proxy.StickyCookie}) followed by the
 *   body parts.</li>
 *   <li>{@link dev.ballast.dataplane.proxy.RequestBodyLimit}: cuts off a streamed body that passes the rule's
 *   maximum; the relay answers 413.</li>
 *   <li>{@link dev.ballast.dataplane.proxy.ExchangeRelay}: takes routed requests and their bodies, drives an
 *   {@link dev.ballast.dataplane.proxy.Exchange} with upstreams from the
 *   {@link dev.ballast.dataplane.proxy.UpstreamConnector}, writes responses through
 *   {@link dev.ballast.dataplane.proxy.ResponseWriter} (compressing a body on its way when compression is on and the
 *   response lends itself to it); a 101 turns both connections into a {@link dev.ballast.dataplane.proxy.Tunnel}.</li>
 * </ol>
 * Connections past {@code --max-connections} (per listener) or {@code --max-connections-per-client} are closed as
 * they are accepted, before any of these handlers. An answer that ends the connection is followed by a
 * {@link dev.ballast.dataplane.connection.LingeringClose}, so that a client still sending can read it.
 * The proxy's own answers (from the dispatcher and the relay) are built by {@link dev.ballast.dataplane.proxy.Responses},
 * with the operator's {@link dev.ballast.dataplane.proxy.ErrorPages} when there are any; they are never compressed.
 * Compression adds no handler: upstream responses pass the response encoder as bytes, so the relay compresses them
 * itself (Netty's {@code HttpContentCompressor} encodes only {@code HttpObject}s, and the proxy's own answers alone are
 * those).
 * Each upstream connection runs {@link dev.ballast.dataplane.proxy.ResponseReader} (its request encoder, and
 * responses found as bytes), a server-timeout {@code IdleStateHandler} and
 * {@link dev.ballast.dataplane.proxy.UpstreamHandler}, which reports to its {@code UpstreamListener}.
 * {@link dev.ballast.dataplane.proxy.RequestObserver} records metrics, spans and the access log. Bodies are relayed
 * part by part; a side reads its next part only after the other side accepted the previous one, so a slow peer slows
 * the transfer instead of filling memory.
 *
 * <p>A connection accepted on a port that a TCP route claims gets none of the handlers above: {@link
 * dev.ballast.dataplane.proxy.TcpProxy} connects it to an endpoint (retrying another after a connect failure) and joins
 * both in a {@link dev.ballast.dataplane.proxy.TcpRelay} (bytes both ways, reads tied to the other side's
 * writability, half-close passed on); {@link dev.ballast.dataplane.proxy.TcpConnections} tracks those relays by route
 * so that a removed route's are closed after the drain time.
 */
package dev.ballast.dataplane.proxy;
