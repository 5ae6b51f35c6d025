/**
 * A client connection as a whole, whatever it speaks: how it ends ({@link
 * dev.ballast.dataplane.connection.LingeringClose}).
 */
package dev.ballast.dataplane.connection;
