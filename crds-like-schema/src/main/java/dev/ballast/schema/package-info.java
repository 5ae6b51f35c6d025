/**
 * The Route API: the resource every source of routes produces and every dataplane consumes.
 *
 * <p>{@code route.schema.json} (next to these classes) is the single source of truth. The records here mirror it
 * field for field (a test keeps them in step), fill in the schema's defaults in their compact constructors, and copy
 * every collection, so a {@link dev.ballast.schema.Route} is an immutable value whose JSON form is canonical: two routes
 * that mean the same serialise to the same bytes, which is what makes snapshot versions content hashes.
 *
 * <p>Optional objects and scalars without a fixed default are {@code null} when absent; collections are never
 * {@code null}.
 */
package dev.ballast.schema;
