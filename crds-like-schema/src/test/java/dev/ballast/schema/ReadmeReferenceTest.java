package dev.ballast.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.labels.DockerFlowLabels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README documents the Route API and the labels exactly as the code has them. */
class ReadmeReferenceTest {

    private static final Path README = Path.of("..", "README.md");

    @Test
    void theRouteApiTableIsTheOneGeneratedFromTheSchema() throws IOException {
        String generated = SchemaReference.markdown(RouteSchema.get());
        String readme = Files.readString(README);
        if (!readme.contains(generated)) {
            Path out = Path.of("target", "route-api-reference.md");
            Files.writeString(out, generated);
            throw new AssertionError("README.md's Route API table differs from route.schema.json; replace the block "
                    + "between the route-api-reference markers with " + out.toAbsolutePath());
        }
    }

    @Test
    void everyLabelIsInTheReadmesLabelSection() throws IOException {
        String readme = Files.readString(README);
        String section = readme.substring(readme.indexOf("<!-- labels:begin"), readme.indexOf("<!-- labels:end"));
        for (String name : DockerFlowLabels.documentedNames()) {
            assertThat(section).as("README label section mentions " + name).containsPattern("`(com\\.df\\.)?" + name + "`");
        }
    }
}
