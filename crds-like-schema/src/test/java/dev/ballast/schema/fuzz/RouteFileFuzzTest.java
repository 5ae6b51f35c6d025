package dev.ballast.schema.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ballast.schema.LoadResult;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Problem;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.RouteLoader;
import dev.ballast.schema.RouteValidator;
import java.nio.charset.StandardCharsets;

/**
 * Whatever text a route file holds, {@link RouteLoader#parse} throws nothing: it answers with the routes that are
 * valid (each passing the validator again, surviving the JSON round trip, carrying only headers an HTTP message can,
 * and located at a line of the file) and a problem for everything else, each with the file's name, a line of the
 * file and a message: what {@code ballast validate} prints as {@code file:line: field: message}.
 */
class RouteFileFuzzTest {

    private static final String FILE = "routes.yaml";

    @FuzzTest(maxDuration = "12s")
    void fileText(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        LoadResult result = RouteLoader.parse(FILE, text);
        int lines = text.split("\r\n|\r|\n", -1).length; // YAML's line breaks: CR LF, CR or LF
        assertThat(result.files()).containsExactly(FILE);
        for (Problem problem : result.problems()) {
            assertThat(problem.file()).as("the file of %s", problem).isEqualTo(FILE);
            assertThat(problem.line()).as("the line of %s (the text has %d)", problem, lines).isBetween(1, lines);
            assertThat(problem.message()).as("the message of %s", problem).isNotBlank();
        }
        for (LoadedRoute loaded : result.routes()) {
            Route route = loaded.route();
            assertThat(loaded.file()).isEqualTo(FILE);
            assertThat(loaded.line()).as("the line of route %s", route.name()).isBetween(1, lines);
            assertThat(RouteValidator.validate(route).violations()).as("a loaded route's violations").isEmpty();
            assertThat(RouteJson.read(RouteJson.write(route), Route.class)).isEqualTo(route);
            RouteChecks.headersAnHttpMessageCanCarry(route);
        }
    }
}
