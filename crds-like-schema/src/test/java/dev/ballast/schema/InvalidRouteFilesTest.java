package dev.ballast.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every error path of route loading, one fixture file each under {@code src/test/resources/invalid/}. A fixture
 * states the exact problems it must produce in {@code # expect:} lines at its top, so adding a case is adding a file.
 */
class InvalidRouteFilesTest {

    private static final String EXPECT = "# expect: ";

    static Stream<Path> fixtures() throws IOException, URISyntaxException {
        Path dir = Path.of(InvalidRouteFilesTest.class.getResource("/invalid").toURI());
        return Files.list(dir).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void reportsExactlyTheExpectedProblems(Path fixture) throws IOException {
        String text = Files.readString(fixture);
        String name = fixture.getFileName().toString();
        List<String> expected = text.lines().filter(l -> l.startsWith(EXPECT))
                .map(l -> l.substring(EXPECT.length())).toList();
        assertThat(expected).as("a fixture states its expected problems").isNotEmpty();

        LoadResult parsed = RouteLoader.parse(name, text);
        LoadResult result = RouteLoader.checkTogether(parsed.files(), parsed.routes(), parsed.problems());

        assertThat(result.problems()).extracting(Problem::format).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(result.problems()).allMatch(Problem::isError);
    }
}
