package dev.ballast.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import dev.ballast.dataplane.routing.RequestPath.Result.Normalized;
import dev.ballast.dataplane.routing.RequestPath.Result.Refused;
import java.lang.management.ManagementFactory;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each form a request path can take on its way to routing, one row each: what needs no change comes back as the same
 * String; unreserved escapes are decoded and the others upper-cased; slashes are merged before the dot segments go;
 * encoded slashes and backslashes stay encoded and are reported, and so is a raw backslash, kept as it is; a
 * {@code ;} is kept, except after a {@code .} or {@code ..} segment (which Tomcat and Spring would resolve), refused
 * like what would climb above the root, malformed or {@code %00} escapes, control characters and targets that are not
 * a path, saying why.
 */
class RequestPathTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "/", "/a", "/a/b/", "/public/index.html", "/a/.hidden", "/a/..b", "/a/b..", "/a/.../b", "/a/b.c/d",
        "/a%20b", "/caf%C3%A9", "/%E2%82%AC/x", "/a%252e%252e/b", "/a-b_c~d", "/a;v=1/b", "/a:b@c!$&'()*+,=",
        "/%3F%23", "/é", "/a%2F..%2Fb",
        // a ; anywhere but after a whole . or .. segment
        "/a;jsessionid=1/b", "/a;/b", "/a/;x/b", "/a/.b;x", "/a/b.;x", "/a/..b;x", "/a/...;x", "/a/b;../c",
        "/a/..%3B/b",
        // a raw backslash, reported but not changed
        "/a\\b", "/\\", "/public\\..\\admin",
    })
    void aPathThatNeedsNoChangeIsReturnedAsTheSameString(String path) {
        assertThat(RequestPath.normalize(path)).isInstanceOfSatisfying(Normalized.class,
                normalized -> assertThat(normalized.path()).isSameAs(path));
    }

    @Test
    void theTargetOfOptionsStarIsKept() {
        String star = "*";
        assertThat(RequestPath.normalize(star)).isInstanceOfSatisfying(Normalized.class,
                normalized -> assertThat(normalized.path()).isSameAs(star));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # dot segments (RFC 3986 5.2.4)
            /a/./b                   | /a/b
            /./                      | /
            /.                       | /
            /a/.                     | /a/
            /a/..                    | /
            /a/b/..                  | /a/
            /a/b/../c                | /a/c
            /a/b/../../c             | /c
            /public/../admin/x       | /admin/x
            # runs of slashes, merged before the dot segments go (as nginx does)
            //a                      | /a
            /a//b                    | /a/b
            /a///                    | /a/
            ///                      | /
            /public//..//admin/x     | /admin/x
            /a/b//../c               | /a/c
            # escaped dots, decoded before the dot segments go, in either case
            /a/%2e%2e/b              | /b
            /public/%2e%2E/admin/x   | /admin/x
            /public/%2E%2e/admin/x   | /admin/x
            /public/%2E%2E/admin/x   | /admin/x
            /a/.%2e/b                | /b
            /a/%2e./b                | /b
            /a/%2e/b                 | /a/b
            /a/b/%2E%2E              | /a/
            /a/.%2E%2e               | /a/...
            # other unreserved escapes decoded
            /%41%62c                 | /Abc
            /%7e%2D%5f%30            | /~-_0
            /a%7Eb                   | /a~b
            # every other escape kept, in upper case
            /%c3%a9                  | /%C3%A9
            /caf%c3%A9               | /caf%C3%A9
            /a%20b%3f                | /a%20b%3F
            /%252e                   | /%252e
            /%25%2e                  | /%25.
            # a ; that is not after a dot segment is kept, whatever the changes around it
            /a/./b;x                 | /a/b;x
            /a//;x                   | /a/;x
            /a/b;x/../c              | /a/c
            /a/b%2e%2e;x             | /a/b..;x
            /a/%2e%2e%3b/b           | /a/..%3B/b
            """)
    void aPathIsNormalised(String path, String expected) {
        Normalized normalized = (Normalized) RequestPath.normalize(path);
        assertThat(normalized.path()).isEqualTo(expected);
        assertThat(normalized.encodedSlash()).isFalse();
        assertThat(((Normalized) RequestPath.normalize(normalized.path())).path()).as("the result is canonical")
                .isSameAs(normalized.path());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /a%2Fb                   | /a%2Fb
            /a%2fb                   | /a%2Fb
            /a%5Cb                   | /a%5Cb
            /a%5cb                   | /a%5Cb
            /public/a%2F..%2F..%2Fadmin | /public/a%2F..%2F..%2Fadmin
            /public/..%2fadmin       | /public/..%2Fadmin
            /a/./%2f/../b%5c         | /a/b%5C
            # a raw backslash counts as one too: IIS and some Java servers take it for a /
            /a\\b                    | /a\\b
            /\\                      | /\\
            /public\\..\\admin\\x    | /public\\..\\admin\\x
            /a/./b\\c                | /a/b\\c
            /a\\%2e%2e\\b            | /a\\..\\b
            """)
    void anEncodedSlashOrBackslashStaysEncodedAndIsReported(String path, String expected) {
        assertThat(RequestPath.normalize(path)).isEqualTo(new Normalized(expected, true));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/raw/a%2Fb/../c", "/raw/a%5cb/../c", "/raw/a\\b/../c", "/raw/\\/../c"})
    void anEncodedSlashRemovedWithItsSegmentIsNotReported(String path) {
        assertThat(RequestPath.normalize(path)).isEqualTo(new Normalized("/raw/c", false));
    }

    static Stream<Arguments> unusable() {
        return Stream.of(
                Arguments.of("/..", "climbs above the root"),
                Arguments.of("/../x", "climbs above the root"),
                Arguments.of("/../etc/passwd", "climbs above the root"),
                Arguments.of("/a/../../x", "climbs above the root"),
                Arguments.of("//..", "climbs above the root"),
                Arguments.of("/%2e%2e/x", "climbs above the root"),
                Arguments.of("/a/%2E%2E/%2e./x", "climbs above the root"),
                Arguments.of("/a/b/../../..", "climbs above the root"),
                Arguments.of("/public/..;/admin/x", "dot segment with parameters"),
                Arguments.of("/public/..;jsessionid=1/admin/x", "dot segment with parameters"),
                Arguments.of("/a/.;x/b", "dot segment with parameters"),
                Arguments.of("/a/.;/b", "dot segment with parameters"),
                Arguments.of("/a/..;", "dot segment with parameters"),
                Arguments.of("/a/.;", "dot segment with parameters"),
                Arguments.of("/.;x", "dot segment with parameters"),
                Arguments.of("/..;/x", "dot segment with parameters"),
                Arguments.of("/a//..;/x", "dot segment with parameters"),
                Arguments.of("/a/..;x;y/b", "dot segment with parameters"),
                Arguments.of("/public/%2e%2e;/admin/x", "dot segment with parameters"),
                Arguments.of("/public/%2E%2e;/admin/x", "dot segment with parameters"),
                Arguments.of("/public/.%2e;/admin/x", "dot segment with parameters"),
                Arguments.of("/a/%2E;x/b", "dot segment with parameters"),
                Arguments.of("/a/..;x/../b", "dot segment with parameters"), // even when a later .. removes it
                Arguments.of("/%", "malformed percent-encoding"),
                Arguments.of("/a%4", "malformed percent-encoding"),
                Arguments.of("/%zz", "malformed percent-encoding"),
                Arguments.of("/%4g/b", "malformed percent-encoding"),
                Arguments.of("/%%41", "malformed percent-encoding"),
                Arguments.of("/%\uFF21\uFF21", "malformed percent-encoding"), // full-width A is no hex digit
                Arguments.of("/%00", "%00"),
                Arguments.of("/a%00b", "%00"),
                Arguments.of("/a\tb", "control character"),
                Arguments.of("/a\nb", "control character"),
                Arguments.of("/a\rb", "control character"),
                Arguments.of("/a\u0000b", "control character"),
                Arguments.of("/a\u007Fb", "control character"),
                Arguments.of("a/b", "does not start with /"),
                Arguments.of("http://example.com/a", "does not start with /"),
                Arguments.of("*x", "does not start with /"),
                Arguments.of("", "does not start with /"));
    }

    @ParameterizedTest(name = "[{index}] {0}") // the index: "" alone is no name
    @MethodSource("unusable")
    void aPathThatCannotBeNormalisedIsRefusedSayingWhy(String path, String reason) {
        assertThat(RequestPath.normalize(path)).isInstanceOfSatisfying(Refused.class,
                refused -> assertThat(refused.reason()).contains(reason));
    }

    /** The hot path: a path that needs no change costs at most its Result (no String, no StringBuilder). */
    @Test
    void aPathThatNeedsNoChangeAllocatesNothingButItsResult() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        String[] paths = {"/", "/api/v1/users/42", "/static/css/site.min.css", "/a%20b/caf%C3%A9", "/a/.well-known/x",
            "/app;jsessionid=1/x", "/share\\docs/x"};
        int calls = 200_000;
        long sink = 0;
        for (int i = 0; i < calls; i++) { // warm up: compiled code allocates as it will in service
            sink += ((Normalized) RequestPath.normalize(paths[i % paths.length])).path().length();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < calls; i++) {
            sink += ((Normalized) RequestPath.normalize(paths[i % paths.length])).path().length();
        }
        long perCall = (threads.getCurrentThreadAllocatedBytes() - before) / calls;
        assertThat(sink).isPositive();
        // a Normalized is 24 bytes with compressed pointers, 32 without; a copied path would add 40 or more
        assertThat(perCall).as("bytes allocated per call").isLessThanOrEqualTo(32);
    }
}
