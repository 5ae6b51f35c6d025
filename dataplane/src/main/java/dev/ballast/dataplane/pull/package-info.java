/**
 * How a replica gets its routes from controllers: it pulls (long poll), checks what it got, puts it in force, and says
 * on its next pull whether it applied or rejected it. Nothing is ever pushed to a replica, so a new one converges by
 * itself; the last snapshot applied is kept on disk so that a restarted replica serves while no controller answers.
 */
package dev.ballast.dataplane.pull;
