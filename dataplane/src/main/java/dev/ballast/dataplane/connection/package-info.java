/**
 * A client connection as a whole, whatever it speaks: how it ends ({@link
 * dev.ballast.dataplane.connection.LingeringClose}), and how all of them end when the replica stops ({@link
 * dev.ballast.dataplane.connection.ConnectionGroups}).
 */
package dev.ballast.dataplane.connection;
