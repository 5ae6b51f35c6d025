package dev.ballast.sim.api;

import io.netty.channel.ChannelHandlerContext;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The resources the emulator has none of: images, volumes, plugins and configs list empty and every one looked up is
 * missing, with the engine's own not-found message, because clients (the CLI above all) ask for
 * them in passing and give up on anything else. {@code /distribution} is refused: there is no registry behind it.
 */
final class EmptyResourcesHandler implements ResourceHandler {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Override
    public boolean handle(ApiRequest r, ChannelHandlerContext ctx) {
        String resource = r.segment(0);
        int depth = r.depth();
        switch (resource) {
            case "images" -> {
                if (r.is("GET", 2) && r.segment(1).equals("json")) {
                    Responses.json(ctx, 200, JSON.arrayNode());
                    return true;
                }
                if (depth >= 2) {
                    // /images/{name}/json, and names like traefik/whoami contain slashes themselves
                    throw new ApiException(404, "No such image: " + String.join("/",
                            r.segments().subList(1, depth - 1)));
                }
            }
            case "volumes" -> {
                if (r.is("GET", 1)) {
                    ObjectNode out = JSON.objectNode();
                    out.putArray("Volumes");
                    out.putArray("Warnings");
                    Responses.json(ctx, 200, out);
                    return true;
                }
                if (depth == 2) {
                    throw new ApiException(404, "get " + r.segment(1) + ": no such volume");
                }
            }
            case "configs" -> {
                if (r.is("GET", 1)) {
                    Responses.json(ctx, 200, JSON.arrayNode());
                    return true;
                }
                if (depth == 2 && !r.segment(1).equals("create")) {
                    throw new ApiException(404, "config " + r.segment(1) + " not found");
                }
                if (depth == 2) {
                    throw new ApiException(501, "configs are not supported by this emulator");
                }
            }
            case "plugins" -> {
                if (r.is("GET", 1)) {
                    Responses.json(ctx, 200, JSON.arrayNode());
                    return true;
                }
                if (depth >= 2) {
                    throw new ApiException(404, "plugin \"" + r.segment(1) + "\" not found");
                }
            }
            case "distribution" -> {
                // The CLI warns that it cannot pin the image digest and goes on.
                throw new ApiException(403, "image digests cannot be resolved: the emulator has no registry access");
            }
            default -> {
            }
        }
        return false;
    }
}
