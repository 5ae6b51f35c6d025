/**
 * The dataplane: the proxy replicas users' traffic goes through. So far: {@code routing}, the immutable routing table
 * a snapshot compiles into.
 */
package dev.ballast.dataplane;
