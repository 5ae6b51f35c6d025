package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Status codes, messages and headers as the engine answers them. */
class ApiBehaviourTest {

    static SwarmSim sim;
    static EngineClient api;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        base = sim.listen("127.0.0.1:0").replace("tcp://", "http://");
        api = new EngineClient(base);
        sim.createNetwork("proxy", true);
        api.createWhoami("web", 1, "proxy", "");
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static String filters(String json) {
        return URLEncoder.encode(json, StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "GET  | /nope                              | 404 | page not found",
        "GET  | /v1.23/info                        | 400 | client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version",
        "GET  | /v1.48/info                        | 400 | client version 1.48 is too new. Maximum supported API version is 1.47",
        "GET  | /services/nope                     | 404 | service nope not found",
        "GET  | /v1.44/services/nope               | 404 | service nope not found",
        "GET  | /tasks/nope                        | 404 | task nope not found",
        "GET  | /networks/nope                     | 404 | network nope not found",
        "GET  | /nodes/nope                        | 404 | node nope not found",
        "GET  | /containers/abc/json               | 404 | No such container: abc",
        "GET  | /images/busybox/json               | 404 | No such image: busybox",
        "GET  | /volumes/data                      | 404 | get data: no such volume",
        "GET  | /secrets/s1                        | 404 | secret s1 not found",
        "DELETE | /services/nope                   | 404 | service nope not found",
        "DELETE | /networks/ingress                | 403 | ingress is a pre-defined network and cannot be removed",
        "DELETE | /networks/bridge                 | 403 | bridge is a pre-defined network and cannot be removed",
        "POST | /services/web/update               | 400 | invalid service version '': strconv.ParseUint: parsing \"\": invalid syntax",
    })
    void errors(String method, String path, int status, String message) throws Exception {
        EngineClient.Reply reply = api.send(HttpRequest.newBuilder(URI.create(base + path))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody()));
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.message()).isEqualTo(message);
    }

    @Test
    void filtersInBothFormsAndBadFilters() throws Exception {
        assertThat(api.get("/services?filters=" + filters("{\"name\":[\"we\"]}")).json().size()).isEqualTo(1);
        assertThat(api.get("/services?filters=" + filters("{\"name\":{\"we\":true}}")).json().size()).isEqualTo(1);
        assertThat(api.get("/services?filters=" + filters("{\"name\":{\"xyz\":true}}")).json().size()).isZero();
        EngineClient.Reply bogus = api.get("/services?filters=" + filters("{\"bogus\":[\"x\"]}"));
        assertThat(bogus.status()).isEqualTo(400);
        assertThat(bogus.message()).isEqualTo("invalid filter 'bogus'");
        assertThat(api.get("/tasks?filters=notjson").message()).isEqualTo("invalid filter");
        assertThat(api.get("/tasks?filters=" + filters("{\"desired-state\":[\"RUNNING\"]}")).json().size()).isEqualTo(1);
        assertThat(api.get("/networks?filters=" + filters("{\"scope\":[\"swarm\"],\"type\":[\"custom\"]}")).json()
                .findValuesAsString("Name")).containsExactly("proxy");
    }

    @Test
    void badBodiesAndBadSpecs() throws Exception {
        assertThat(api.post("/services/create", "").message()).isEqualTo("invalid JSON: got EOF while reading request body");
        assertThat(api.post("/services/create", "{nope").message()).startsWith("invalid JSON: ");
        EngineClient.Reply unknownNetwork = api.post("/services/create", "{\"Name\":\"x\",\"TaskTemplate\":"
                + "{\"ContainerSpec\":{\"Image\":\"busybox\"},\"Networks\":[{\"Target\":\"nope\"}]}}");
        assertThat(unknownNetwork.status()).isEqualTo(500);
        assertThat(unknownNetwork.message()).isEqualTo("network nope not found");
        EngineClient.Reply local = api.post("/services/create", "{\"Name\":\"x\",\"TaskTemplate\":"
                + "{\"ContainerSpec\":{\"Image\":\"busybox\"},\"Networks\":[{\"Target\":\"bridge\"}]}}");
        assertThat(local.status()).isEqualTo(403);
        assertThat(local.message()).startsWith("The network bridge cannot be used with services.");
        assertThat(api.post("/services/create", "{\"Name\":\"bad name!\"}").message())
                .isEqualTo("rpc error: code = InvalidArgument desc = name must be valid as a DNS name component");

        tools.jackson.databind.JsonNode web = api.get("/services/web").json();
        long version = web.at("/Version/Index").asLong();
        tools.jackson.databind.node.ObjectNode renamed = ((tools.jackson.databind.node.ObjectNode) web.get("Spec")).deepCopy();
        renamed.put("Name", "other");
        EngineClient.Reply rename = api.post("/services/web/update?version=" + version, renamed.toString());
        assertThat(rename.status()).isEqualTo(501);
        assertThat(rename.message()).isEqualTo("rpc error: code = Unimplemented desc = renaming services is not supported");
        EngineClient.Reply inUse = api.delete("/networks/proxy");
        assertThat(inUse.status()).isEqualTo(403);
        assertThat(inUse.message()).contains("is in use by service");
    }

    @Test
    void pingAndHeaders() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ping = http.send(HttpRequest.newBuilder(URI.create(base + "/_ping")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ping.body()).isEqualTo("OK");
        assertThat(ping.headers().firstValue("Api-Version")).contains("1.47");
        assertThat(ping.headers().firstValue("Swarm")).contains("active/manager");
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(base + "/v1.40/_ping"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Server")).contains("Docker/28.5.1 (linux)");
    }

    @Test
    void eventsReplayAndContentTypes() throws Exception {
        long until = System.currentTimeMillis() / 1000 + 1;
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> unversioned = http.send(HttpRequest.newBuilder(URI.create(base + "/events?since=0&until="
                + until + "&filters=" + filters("{\"type\":[\"service\"]}"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unversioned.headers().firstValue("Content-Type")).contains("application/jsonl");
        assertThat(unversioned.body().lines().toList()).singleElement().asString()
                .contains("\"Type\":\"service\"", "\"Action\":\"create\"", "\"name\":\"web\"", "\"scope\":\"swarm\"");
        HttpResponse<String> v147 = http.send(HttpRequest.newBuilder(URI.create(base + "/v1.47/events?since=0&until="
                + until)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(v147.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(v147.body().lines().count()).as("network and service creations").isGreaterThanOrEqualTo(2);
        assertThat(api.get("/events?since=yesterday").message()).isEqualTo("invalid value for 'since': yesterday");
        assertThat(api.get("/events?since=20&until=10").status()).isEqualTo(400);
    }
}
