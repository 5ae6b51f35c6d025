package dev.ballast.schema;

/**
 * A valid route and where it was defined.
 *
 * @param file the file as the user named it
 * @param line the line of the route's {@code metadata.name}
 */
public record LoadedRoute(Route route, String file, int line) {

    public String location() {
        return file + ":" + line;
    }
}
