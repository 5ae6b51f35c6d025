/**
 * Request matching. A {@link dev.ballast.dataplane.routing.RoutingTable} is compiled from a snapshot once and is
 * immutable afterwards, so a new one can replace it atomically while requests in flight keep the one they matched.
 *
 * <p>Matching order: routes with an explicit {@code order} first (lower first); then the most specific rule wins —
 * exact host over {@code *.} wildcard (longer suffix first) over no host, then the longest path (an exact path over a
 * prefix of the same length, both over regular expressions), then route name, then rule position. Every rule also has
 * to satisfy its listener port, headers and user agents; a matching rule whose method filter refuses the request makes
 * it a 405 with {@code Allow}, rather than falling through to a less specific route.
 *
 * <p>A rule's {@code redirect.fromDomains} are matched like its hosts, after the rules whose own host the same name
 * is; a match through one of them is answered with the redirect, whatever the method.
 */
package dev.ballast.dataplane.routing;
