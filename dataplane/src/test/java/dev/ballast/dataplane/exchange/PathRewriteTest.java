package dev.ballast.dataplane.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.Rule;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The literal-prefix form gives what the regex gives, and is used only where it can. */
class PathRewriteTest {

    private static final List<String> PATHS = List.of("/http/", "/http/a/b", "/http", "/HTTP/x", "/my-app/x",
            "/other/http/", "/", "", "/a.b/c", "/axb/c", "/v2/items");

    @Test
    void anAnchoredLiteralPrefixIsAStringOperationWithTheRegexResult() {
        for (Rule.Rewrite r : List.of(new Rule.Rewrite("^/http/", "/renamed/"), new Rule.Rewrite("^/http", ""),
                new Rule.Rewrite("^/my-app/", "/"), new Rule.Rewrite("^", "/prefix"))) {
            PathRewrite rewrite = PathRewrite.of(r);
            assertThat(rewrite.literalPrefix()).as(r.search()).isTrue();
            for (String path : PATHS) {
                assertThat(rewrite.apply(path)).as(r + " on " + path)
                        .isEqualTo(Pattern.compile(r.search()).matcher(path).replaceAll(r.replace()));
            }
        }
    }

    @Test
    void anythingElseRunsTheRegex() {
        for (Rule.Rewrite r : List.of(new Rule.Rewrite("^/a.b/", "/x/"), new Rule.Rewrite("/http/", "/r/"),
                new Rule.Rewrite("^/v(\\d)/", "/api/$1/"), new Rule.Rewrite("^/http/", "/\\$literal/"),
                new Rule.Rewrite("^/(http|web)/", "/"))) {
            PathRewrite rewrite = PathRewrite.of(r);
            assertThat(rewrite.literalPrefix()).as(r.search()).isFalse();
            for (String path : PATHS) {
                assertThat(rewrite.apply(path)).as(r + " on " + path)
                        .isEqualTo(Pattern.compile(r.search()).matcher(path).replaceAll(r.replace()));
            }
        }
    }
}
