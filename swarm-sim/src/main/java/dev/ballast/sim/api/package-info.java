/**
 * The emulated Engine API over HTTP/1.1: every route with and without the {@code /v1.NN} prefix, the engine's JSON
 * shapes, error bodies and status codes, streamed {@code /events}, and the {@code /_sim} side door through which
 * tests inject faults. Organised as the Engine API reference is, one handler per resource.
 *
 * <ul>
 *   <li>{@link dev.ballast.sim.api.ApiServer} binds the listeners; {@link dev.ballast.sim.api.ApiRouter} negotiates
 *       the API version, applies {@link dev.ballast.sim.api.ApiFaults}, dispatches on the first path segment to a
 *       {@code ResourceHandler} and words refusals as the engine does.</li>
 *   <li>Resource handlers: {@code SystemHandler} ({@code /_ping}, {@code /version}, {@code /info},
 *       {@code /swarm}), {@code ServicesHandler}, {@code TasksHandler}, {@code NodesHandler},
 *       {@code NetworksHandler}, {@code SecretsHandler}, {@code EventsHandler} (with {@link dev.ballast.sim.api.EventStreams}, the open
 *       streams faults can stall or end), {@code EmptyResourcesHandler} (images, volumes, plugins, configs:
 *       none) and the {@link dev.ballast.sim.api.SideDoor}.</li>
 *   <li>Shared: {@code ApiRequest} (a request with its version prefix off), {@code Filters} (the {@code filters}
 *       parameter), {@code EngineJson} (the engine's JSON for each object), {@code Responses} (answers with the
 *       engine's headers), {@code ApiException} (a refusal with its status).</li>
 * </ul>
 */
package dev.ballast.sim.api;
