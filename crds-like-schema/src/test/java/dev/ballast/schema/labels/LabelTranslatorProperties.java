package dev.ballast.schema.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.RouteValidator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever labels a service carries, translation answers with a value: a route that passes the same validation as a
 * GitOps file and survives a JSON round trip, or a result that explains itself. It never throws.
 */
class LabelTranslatorProperties {

    private static final List<String> NAMES = List.of("servicePath", "port", "serviceDomain", "httpsPort",
            "srcPort", "srcHttpsPort", "pathType", "servicePathExclude", "serviceHeader", "userAgent",
            "reqPathSearchReplace", "reqPathSearch", "reqPathReplace", "httpsOnly", "httpsRedirectCode", "denyHttp",
            "redirectFromDomain", "allowedMethods", "deniedMethods", "ignoreAuthorization", "verifyClientSsl",
            "outboundHostname", "timeoutServer", "timeoutTunnel", "timeoutClient", "reqMode", "users",
            "usersPassEncrypted", "usersSecret", "addReqHeader", "setReqHeader", "delReqHeader", "addResHeader",
            "setResHeader", "delResHeader", "sessionType", "isDefaultBackend", "lb", "endpointMode", "retries",
            "healthCheckPath", "healthCheckInterval", "order", "shortName", "aclName", "backendExtra", "notify",
            "distribute", "alertIf", "servicePth", "");

    private final LabelTranslator translator = new LabelTranslator(new TranslationOptions("com.df.notify", ",",
            false));

    @Property(tries = 2000)
    void anyLabelsGiveARouteOrAReasonNeverAnException(@ForAll("labelMaps") Map<String, String> labels) {
        LabelTranslation result = translator.translateLabels("stack_svc", labels);
        assertThat(result).isNotNull();
        assertThat(result.serviceName()).isEqualTo("stack_svc");
        Statistics.collect(result.getClass().getSimpleName()); // shows the mix of outcomes the run covered
        checkOutcome(result);
    }

    @Property(tries = 500)
    void pushParametersBehaveTheSame(@ForAll("labelMaps") Map<String, String> labels) {
        Map<String, String> parameters = new HashMap<>();
        labels.forEach((k, v) -> parameters.put(k.replaceFirst("^com\\.df\\.", ""), v));
        parameters.put("serviceName", "svc");
        checkOutcome(translator.translateParameters(parameters));
    }

    private static void checkOutcome(LabelTranslation result) {
        if (result instanceof LabelTranslation.Translated translated) {
            Route route = translated.route();
            assertThat(RouteValidator.validate(route).violations()).isEmpty();
            assertThat(RouteJson.read(RouteJson.write(route), Route.class)).isEqualTo(route);
            assertThat(route.spec().rules()).isNotEmpty();
        } else if (result instanceof LabelTranslation.Invalid invalid) {
            assertThat(invalid.errors()).isNotEmpty();
            assertThat(invalid.errors()).allSatisfy(p -> assertThat(p.field()).isNotBlank());
        } else {
            assertThat(((LabelTranslation.NotOptedIn) result).reason()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<Map<String, String>> labelMaps() {
        Arbitrary<String> key = Combinators.combine(
                Arbitraries.of(NAMES),
                Arbitraries.of("", "", "", ".1", ".2", ".3", ".0", ".11", ".x", ".99999999999"))
                .as((name, index) -> "com.df." + name + index);
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.of("true", "false", "TRUE", "1", "yes", "", " ", "80", "0", "65536", "-1", "abc",
                        "/", "/api/", "api", "^/(", "[a-", "/a,/b", "/a/,/b/:/c/,/d/", ",", ":", "a.com,*.b.com",
                        "*x.com", "bad host", "X-A a,X-B %[x]", "X-Only", "u:p,v:q", "u", "u:", ":p", "GET,post",
                        "path_reg", "path_end", "path_dir", "tcp", "sticky-server", "vip", "RoundRobin", "30s",
                        "10.0.0.1:x", "[::1]:80", "$6$s$" + "a".repeat(86)),
                Arbitraries.strings().ofMaxLength(12));
        return Combinators.combine(Arbitraries.maps(key, value).ofMaxSize(14),
                        Arbitraries.of("true", "true", "true", "false", "True", "nope"))
                .as((map, notify) -> {
                    Map<String, String> labels = new HashMap<>(map);
                    labels.put("com.df.notify", notify);
                    labels.put("com.docker.stack.namespace", "stack");
                    return labels;
                });
    }
}
