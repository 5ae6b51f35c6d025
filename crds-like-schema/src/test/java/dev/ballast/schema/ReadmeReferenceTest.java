package dev.ballast.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.labels.DockerFlowLabels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/reference.md documents the Route API, and docs/docker-flow.md the labels, exactly as the code has them. */
class ReadmeReferenceTest {

    private static final Path LABELS = Path.of("..", "docs", "docker-flow.md");
    private static final Path REFERENCE = Path.of("..", "docs", "reference.md");

    @Test
    void theRouteApiTableIsTheOneGeneratedFromTheSchema() throws IOException {
        String generated = SchemaReference.markdown(RouteSchema.get());
        String reference = Files.readString(REFERENCE);
        if (!reference.contains(generated)) {
            Path out = Path.of("target", "route-api-reference.md");
            Files.writeString(out, generated);
            throw new AssertionError("docs/reference.md's Route API table differs from route.schema.json; replace "
                    + "the block between the route-api-reference markers with " + out.toAbsolutePath());
        }
    }

    @Test
    void everyLabelIsInTheDocsLabelSection() throws IOException {
        String readme = Files.readString(LABELS);
        String section = readme.substring(readme.indexOf("<!-- labels:begin"), readme.indexOf("<!-- labels:end"));
        for (String name : DockerFlowLabels.documentedNames()) {
            assertThat(section).as("docs/docker-flow.md's label section mentions " + name).containsPattern("`(com\\.df\\.)?" + name + "`");
        }
    }

    /** The two sentences after the table say which labels are warnings and which pass without comment, exactly. */
    @Test
    void theDocsSayWhichLabelsAreUnsupportedAndWhichPassWithoutComment() throws IOException {
        String readme = Files.readString(LABELS);
        String section = readme.substring(readme.indexOf("<!-- labels:begin"), readme.indexOf("<!-- labels:end"));
        int unsupportedAt = section.indexOf("Reported as unsupported");
        int acceptedAt = section.indexOf("Accepted without comment");
        assertThat(unsupportedAt).as("the sentence \"Reported as unsupported …\"").isPositive();
        assertThat(acceptedAt).as("the sentence \"Accepted without comment …\" after it").isGreaterThan(unsupportedAt);
        java.util.Set<String> unsupported = mentioned(section.substring(unsupportedAt, acceptedAt));
        java.util.Set<String> accepted = mentioned(section.substring(acceptedAt));
        assertThat(unsupported).isEqualTo(DockerFlowLabels.unsupportedNames());
        java.util.Set<String> listener = new java.util.TreeSet<>(DockerFlowLabels.listenerAndMonitorNames());
        listener.add("alert*");
        assertThat(accepted).isEqualTo(listener);
    }

    /** The label names quoted in {@code text} ({@code `com.df.x`} or {@code `x`}, lower case first), without the prefix. */
    private static java.util.Set<String> mentioned(String text) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("`(?:com\\.df\\.)?([a-z][A-Za-z.*]*)`").matcher(text);
        while (m.find()) {
            if (!m.group(1).startsWith("com.df.")) { // "any other `com.df.*` label"
                names.add(m.group(1));
            }
        }
        return names;
    }
}
