/** {@code ballast demo}: the whole system on one machine, with the Docker Flow Proxy tutorial's stack. */
package dev.ballast.dist.demo;
