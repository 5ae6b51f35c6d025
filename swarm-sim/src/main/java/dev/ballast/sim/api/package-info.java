/**
 * The emulated Engine API over HTTP/1.1: every route with and without the {@code /v1.NN} prefix, the engine's JSON
 * shapes, error bodies and status codes, streamed {@code /events}, and the {@code /_sim} side door through which
 * tests inject faults. See {@link dev.ballast.sim.api.ApiHandler} for the routes.
 */
package dev.ballast.sim.api;
