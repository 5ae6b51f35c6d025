package dev.ballast.schema.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.HeaderOperations;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import java.util.List;
import java.util.Map;

/**
 * What a valid route must also be for the dataplane to serve it: header operations that an HTTP message can carry,
 * names that are tokens and values without control characters but HTAB (RFC 9110 §5.5). A dataplane that sets a
 * header with a NUL or a CR either fails each request of the rule (Netty refuses the value) or sends it on.
 */
final class RouteChecks {

    private RouteChecks() {
    }

    static void headersAnHttpMessageCanCarry(Route route) {
        for (Rule rule : route.spec().rules()) {
            operations(route, rule.requestHeaders());
            operations(route, rule.responseHeaders());
        }
    }

    private static void operations(Route route, HeaderOperations operations) {
        if (operations == null) {
            return;
        }
        for (Map<String, String> headers : List.of(operations.add(), operations.set())) {
            headers.forEach((name, value) -> {
                assertThat(name).as("a header name of route %s", route.name()).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
                assertThat(value.chars().noneMatch(c -> c < ' ' && c != '\t' || c == 127))
                        .as("a control character in the value of %s: %s (route %s)", name, value.chars()
                                .filter(c -> c < ' ' || c == 127).boxed().toList(), route.name()).isTrue();
            });
        }
        for (String name : operations.remove()) {
            assertThat(name).as("a removed header name of route %s", route.name())
                    .matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
        }
    }
}
