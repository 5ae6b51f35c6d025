/**
 * The {@code ballast} command: one jar, one subcommand per process ({@code controller}, {@code dataplane},
 * {@code sim}, {@code demo}) plus {@code validate}. This package only wires modules together; what each process does
 * lives in its module.
 */
package dev.ballast.dist;
