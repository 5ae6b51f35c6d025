package dev.ballast.schema;

import java.util.List;

/**
 * The valid routes read from some files, and every problem found in them.
 *
 * @param files the route files that were read, as the user would name them
 */
public record LoadResult(List<String> files, List<LoadedRoute> routes, List<Problem> problems) {

    public LoadResult {
        files = List.copyOf(files);
        routes = List.copyOf(routes);
        problems = List.copyOf(problems);
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(Problem::isError);
    }
}
