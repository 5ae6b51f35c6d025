package dev.ballast.sim.api;

import io.netty.channel.ChannelHandlerContext;

/** The Engine API's routes under one resource ({@code /services}, {@code /tasks}, …). */
interface ResourceHandler {

    /**
     * Answers the request and returns true, or returns false when the resource has no such route, which the
     * router answers as the engine does: 404, page not found. Refusals throw {@link ApiException} or
     * {@link dev.ballast.sim.model.ClusterException}; the router words them.
     */
    boolean handle(ApiRequest r, ChannelHandlerContext ctx);
}
