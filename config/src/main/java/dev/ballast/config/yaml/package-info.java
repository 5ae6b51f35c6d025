/**
 * YAML reading that keeps line numbers. Jackson's tree model forgets where a value came from, but every error a user
 * sees from Ballast names {@code file:line}, so {@link dev.ballast.config.yaml.LocatedYamlReader} builds the tree and a
 * JSON-pointer-to-line index from one pass over the token stream.
 */
package dev.ballast.config.yaml;
