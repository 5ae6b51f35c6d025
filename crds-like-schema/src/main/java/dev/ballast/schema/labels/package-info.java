/**
 * Docker Flow Proxy compatibility: a Swarm service's {@code com.df.*} labels (or the same names as push-API
 * parameters) translated into exactly one {@link dev.ballast.schema.Route}.
 *
 * <p>Names, value formats, defaults and indexing follow Docker Flow Proxy ({@code com.df.X.1} … {@code com.df.X.10},
 * stopping at the first index that has none of {@code servicePath}, {@code port}, {@code serviceDomain},
 * {@code httpsPort}; the un-indexed value is the default of every index). What differs is the failure mode: a bad
 * value makes that one route Invalid with a message naming the label, HAProxy-only labels become warnings, and
 * nothing here ever throws at the caller. The translated route is validated by the same
 * {@link dev.ballast.schema.RouteValidator} as a GitOps file, and any error it finds is reported against the label
 * the offending field came from.
 */
package dev.ballast.schema.labels;
