/**
 * Typed configuration for the controller and the dataplane.
 *
 * <p>Every setting is declared once as a {@link dev.ballast.config.Setting}: its YAML key, its command-line flag, the
 * environment variables that set it (Ballast's own {@code BALLAST_*} name first, then any Docker Flow name that maps
 * onto it) and its default. {@link dev.ballast.config.ConfigResolver} layers the sources, lowest first:
 * defaults &lt; YAML config file &lt; environment &lt; command-line flags, and remembers where each value came from so
 * that a bad value is reported with its origin ({@code TIMEOUT_SERVER (environment): "abc" is not a duration}).
 *
 * <p>The value parsers here ({@link dev.ballast.config.Durations}, {@link dev.ballast.config.Sizes},
 * {@link dev.ballast.config.HostPort}) are shared with the Route API so that {@code 30s} means the same everywhere.
 */
package dev.ballast.config;
