package dev.ballast.config.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LocatedYamlReaderTest {

    @Test
    void remembersTheLineOfEveryValue() throws Exception {
        List<YamlDocument> docs = LocatedYamlReader.readAll("""
                a: 1
                b:
                  c: [x, y]
                  d:
                    - e: 2
                      f: three
                """);
        YamlDocument doc = docs.get(0);
        assertThat(doc.lineOf("/a")).isEqualTo(1);
        assertThat(doc.lineOf("/b/c")).isEqualTo(3);
        assertThat(doc.lineOf("/b/d/0/f")).isEqualTo(6);
        assertThat(doc.lineOf("/b/d/0/missing")).as("falls back to the parent").isEqualTo(5);
        assertThat(doc.root().at("/b/d/0/f").asString()).isEqualTo("three");
    }

    @Test
    void readsEveryDocumentAndSkipsEmptyOnes() throws Exception {
        List<YamlDocument> docs = LocatedYamlReader.readAll("a: 1\n---\n---\nb: 2\n");
        assertThat(docs).hasSize(2);
        assertThat(docs.get(1).startLine()).isEqualTo(4);
        assertThat(docs.get(1).index()).isEqualTo(2);
    }

    @Test
    void aRepeatedKeyIsAnError() {
        assertThatThrownBy(() -> LocatedYamlReader.readAll("a: 1\nb: 2\na: 3\n"))
                .isInstanceOfSatisfying(YamlSyntaxException.class, e -> {
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e).hasMessage("duplicate key \"a\"");
                });
    }

    @Test
    void syntaxErrorsCarryTheParsersLineAndSentences() {
        assertThatThrownBy(() -> LocatedYamlReader.readAll("a: b\n  c: d\n"))
                .isInstanceOfSatisfying(YamlSyntaxException.class, e -> {
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e).hasMessage("mapping values are not allowed here");
                });
        assertThatThrownBy(() -> LocatedYamlReader.readAll("a:\n\tb: c\n"))
                .isInstanceOfSatisfying(YamlSyntaxException.class, e -> {
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e.getMessage()).contains("TAB");
                });
    }

    @Test
    void keepsScalarTypes() throws Exception {
        YamlDocument doc = LocatedYamlReader.readAll("i: 80\nb: true\ns: '80'\nn: null\nf: 1.5\n").get(0);
        assertThat(doc.root().get("i").isInt()).isTrue();
        assertThat(doc.root().get("b").isBoolean()).isTrue();
        assertThat(doc.root().get("s").isString()).isTrue();
        assertThat(doc.root().get("n").isNull()).isTrue();
        assertThat(doc.root().get("f").isNumber()).isTrue();
    }
}
