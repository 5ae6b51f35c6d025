package dev.ballast.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteLoaderTest {

    @TempDir
    Path dir;

    private static String route(String name) {
        return "apiVersion: ballast.dev/v1alpha1\nkind: Route\nmetadata:\n  name: " + name
                + "\nspec: { service: " + name + ", rules: [{ port: 80 }] }\n";
    }

    private Path write(String relative, String text) throws IOException {
        Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    @Test
    void readsRouteFilesBelowADirectoryInOrderAndSkipsTheRest() throws IOException {
        write("b.yaml", route("b"));
        write("a.yml", route("a") + "---\n" + route("a2"));
        write("nested/c.json", "{\"apiVersion\":\"ballast.dev/v1alpha1\",\"kind\":\"Route\",\"metadata\":{\"name\":\"c\"},"
                + "\"spec\":{\"service\":\"c\",\"rules\":[{\"port\":80}]}}");
        write("notes.txt", "not a route");
        write(".editor-swap.yaml", "{{{ broken");
        write(".git/config.yaml", "{{{ broken");

        LoadResult result = RouteLoader.load(List.of(dir));

        assertThat(result.problems()).isEmpty();
        assertThat(result.files()).containsExactly(dir.resolve("a.yml").toString(), dir.resolve("b.yaml").toString(),
                dir.resolve("nested/c.json").toString());
        assertThat(result.routes()).extracting(r -> r.route().name()).containsExactly("a", "a2", "b", "c");
        assertThat(result.routes().get(1).location()).isEqualTo(dir.resolve("a.yml") + ":10");
    }

    @Test
    void namesMustBeUniqueAcrossFiles() throws IOException {
        Path a = write("a.yaml", route("web"));
        Path b = write("b.yaml", route("api") + "---\n" + route("web"));

        LoadResult result = RouteLoader.load(List.of(a, b));

        assertThat(result.routes()).extracting(r -> r.route().name()).containsExactly("web", "api");
        assertThat(result.problems()).extracting(Problem::format).containsExactly(
                b + ":10: metadata.name: duplicate route name \"web\" (first defined at " + a + ":4)");
    }

    @Test
    void oneBadDocumentDoesNotHideItsNeighbours() throws IOException {
        Path file = write("mixed.yaml", route("good") + "---\n" + route("bad").replace("port: 80", "port: 0")
                + "---\n" + route("also-good"));
        LoadResult result = RouteLoader.load(List.of(file));
        assertThat(result.routes()).extracting(r -> r.route().name()).containsExactly("good", "also-good");
        assertThat(result.problems()).extracting(Problem::format)
                .containsExactly(file + ":11: spec.rules[0].port: 0 is not a port (1-65535)");
    }

    @Test
    void missingPathsEmptyDirectoriesAndUnreadableFilesAreProblems() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Path binary = dir.resolve("binary.yaml");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x41});

        LoadResult result = RouteLoader.load(List.of(dir.resolve("nope.yaml"), empty, binary));

        assertThat(result.problems()).extracting(Problem::format).containsExactly(
                dir.resolve("nope.yaml") + ": no such file or directory",
                empty + ": no route files (*.yaml, *.yml, *.json) here",
                binary + ": is not UTF-8 text");
        assertThat(result.hasErrors()).isTrue();
    }

    @Test
    void anEmptyFileIsValidAndHoldsNoRoutes() throws IOException {
        Path file = write("empty.yaml", "# nothing here yet\n");
        LoadResult result = RouteLoader.load(List.of(file));
        assertThat(result.problems()).isEmpty();
        assertThat(result.routes()).isEmpty();
    }
}
