package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /secrets} over plain HTTP, where status codes and messages show: the engine's rules for names, data, updates
 * and removal, the references services make, the list filters and the events, and a secret's data never in an answer.
 */
class SecretsApiTest {

    private static final String VALUE = "hunter2-token-value";
    private static final String VALUE_B64 = b64(VALUE);

    SwarmSim sim;
    EngineClient api;

    @BeforeEach
    void start() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        api = new EngineClient(sim.listen("127.0.0.1:0"));
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String filters(String json) {
        return "?filters=" + URLEncoder.encode(json, StandardCharsets.UTF_8);
    }

    private String create(String name, String labels, String data) throws Exception {
        EngineClient.Reply reply = api.post("/v1.47/secrets/create",
                "{\"Name\":\"" + name + "\",\"Labels\":" + labels + ",\"Data\":\"" + data + "\"}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("ID").asString();
    }

    @Test
    void createdSecretsAreListedAndInspectedWithoutTheirData() throws Exception {
        String id = create("ballast_token", "{\"env\":\"prod\"}", VALUE_B64);
        assertThat(id).matches("[0-9a-z]{25}");

        JsonNode inspect = api.get("/secrets/ballast_token").json();
        assertThat(inspect.get("ID").asString()).isEqualTo(id);
        assertThat(inspect.at("/Spec/Name").asString()).isEqualTo("ballast_token");
        assertThat(inspect.at("/Spec/Labels/env").asString()).isEqualTo("prod");
        assertThat(inspect.at("/Version/Index").asLong()).isPositive();
        assertThat(inspect.get("CreatedAt").asString()).isEqualTo(inspect.get("UpdatedAt").asString());
        assertThat(api.get("/secrets/" + id.substring(0, 6)).json().get("ID").asString()).isEqualTo(id);
        for (String body : List.of(api.get("/secrets/" + id).body(), api.get("/secrets").body())) {
            assertThat(body).doesNotContain("Data", VALUE, VALUE_B64);
        }
        assertThat(api.get("/secrets").json().findValuesAsString("Name")).containsExactly("ballast_token");
    }

    @Test
    void refusalsInTheEnginesWords() throws Exception {
        create("token", "{}", VALUE_B64);
        EngineClient.Reply duplicate = api.post("/secrets/create", "{\"Name\":\"TOKEN\",\"Data\":\"eA==\"}");
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.message()).isEqualTo("rpc error: code = AlreadyExists desc = secret TOKEN already exists");
        assertThat(api.post("/secrets/create", "{\"Name\":\"-bad\",\"Data\":\"eA==\"}").message())
                .isEqualTo("rpc error: code = InvalidArgument desc = invalid name, only 64 [a-zA-Z0-9-_.] characters "
                        + "allowed, and the start and end character must be [a-zA-Z0-9]");
        EngineClient.Reply empty = api.post("/secrets/create", "{\"Name\":\"empty\"}");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.message()).isEqualTo("rpc error: code = InvalidArgument desc = secret data must be larger "
                + "than 0 and less than 512000 bytes");
        EngineClient.Reply notBase64 = api.post("/secrets/create", "{\"Name\":\"x\",\"Data\":\"" + VALUE + "!\"}");
        assertThat(notBase64.status()).isEqualTo(400);
        assertThat(notBase64.message()).startsWith("invalid JSON: ").doesNotContain(VALUE);
        EngineClient.Reply missing = api.get("/secrets/nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.message()).isEqualTo("secret nope not found");
        assertThat(api.delete("/secrets/nope").message()).isEqualTo("secret nope not found");
        assertThat(api.get("/secrets" + filters("{\"bogus\":[\"x\"]}")).message()).isEqualTo("invalid filter 'bogus'");
    }

    @Test
    void filtersSelectByNamesNamePrefixesOrIdPrefixesAndThenLabels() throws Exception {
        String token = create("ballast_token", "{\"stack\":\"proxy\"}", VALUE_B64);
        create("cert-example.com", "{\"stack\":\"proxy\",\"kind\":\"cert\"}", b64("pem"));
        create("cert-example.org", "{}", b64("pem"));
        assertThat(names("{\"name\":{\"cert-\":true}}")).containsExactly("cert-example.com", "cert-example.org");
        assertThat(names("{\"names\":[\"cert-example\"]}")).isEmpty();
        assertThat(names("{\"names\":[\"cert-example.org\"]}")).containsExactly("cert-example.org");
        assertThat(names("{\"names\":[\"cert-example.org\"],\"id\":[\"" + token.substring(0, 5) + "\"]}"))
                .as("names, name and id select alternatives").containsExactly("ballast_token", "cert-example.org");
        assertThat(names("{\"label\":[\"stack=proxy\"]}")).containsExactly("ballast_token", "cert-example.com");
        assertThat(names("{\"label\":[\"kind\"],\"name\":[\"cert\"]}")).containsExactly("cert-example.com");
    }

    private List<String> names(String filter) throws Exception {
        return api.get("/secrets" + filters(filter)).json().findValuesAsString("Name");
    }

    @Test
    void onlyLabelsCanBeUpdatedAtTheCurrentVersion() throws Exception {
        create("token", "{\"a\":\"1\"}", VALUE_B64);
        JsonNode before = api.get("/secrets/token").json();
        long version = before.at("/Version/Index").asLong();
        ObjectNode spec = (ObjectNode) before.get("Spec").deepCopy();

        spec.put("Data", b64("another value"));
        EngineClient.Reply newData = api.post("/secrets/token/update?version=" + version, spec.toString());
        assertThat(newData.status()).isEqualTo(400);
        assertThat(newData.message()).isEqualTo("rpc error: code = InvalidArgument desc = only updates to Labels are "
                + "allowed");
        ObjectNode renamed = spec.deepCopy().put("Name", "other");
        renamed.remove("Data");
        assertThat(api.post("/secrets/token/update?version=" + version, renamed.toString()).status()).isEqualTo(400);

        spec.put("Data", VALUE_B64); // the same data: allowed, as the CLI's stack deploy sends it
        spec.putObject("Labels").put("b", "2");
        EngineClient.Reply updated = api.post("/secrets/token/update?version=" + version, spec.toString());
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        JsonNode after = api.get("/secrets/token").json();
        assertThat(after.at("/Spec/Labels").toString()).isEqualTo("{\"b\":\"2\"}");
        assertThat(after.at("/Version/Index").asLong()).isGreaterThan(version);

        EngineClient.Reply stale = api.post("/secrets/token/update?version=" + version, spec.toString());
        assertThat(stale.status()).isEqualTo(500);
        assertThat(stale.message()).isEqualTo("rpc error: code = Unknown desc = update out of sequence");
        assertThat(api.post("/secrets/token/update?version=x", spec.toString()).message())
                .isEqualTo("invalid secret version");
    }

    @Test
    void servicesReferToExistingSecretsAndKeepThemFromRemoval() throws Exception {
        String id = create("ballast_token", "{}", VALUE_B64);
        String file = "\"File\":{\"Name\":\"ballast_token\",\"UID\":\"0\",\"GID\":\"0\",\"Mode\":292}";
        EngineClient.Reply unknown = createService("a", "{\"SecretID\":\"nope\",\"SecretName\":\"nope\"," + file + "}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.message()).isEqualTo("rpc error: code = InvalidArgument desc = secret not found: nope");
        assertThat(createService("a", "{\"SecretID\":\"" + id + "\",\"SecretName\":\"renamed\"," + file + "}")
                .message()).as("the name must be the secret's").endsWith("secret not found: renamed");
        assertThat(createService("a", "{\"SecretID\":\"" + id + "\",\"SecretName\":\"ballast_token\"}").message())
                .isEqualTo("rpc error: code = InvalidArgument desc = malformed secret reference, no target provided");
        String ref = "{\"SecretID\":\"" + id + "\",\"SecretName\":\"ballast_token\"," + file + "}";
        assertThat(createService("a", ref + "," + ref).message()).isEqualTo("rpc error: code = InvalidArgument desc = "
                + "secret references 'ballast_token' and 'ballast_token' have a conflicting target: 'ballast_token'");

        assertThat(createService("controller", ref).status()).isEqualTo(201);
        assertThat(createService("dataplane", ref).status()).isEqualTo(201);
        JsonNode refs = api.get("/services/controller").json().at("/Spec/TaskTemplate/ContainerSpec/Secrets");
        assertThat(refs.get(0).get("SecretID").asString()).isEqualTo(id);
        assertThat(refs.get(0).at("/File/Mode").asInt()).isEqualTo(0444);

        EngineClient.Reply inUse = api.delete("/secrets/ballast_token");
        assertThat(inUse.status()).as("the engine's status: gRPC InvalidArgument").isEqualTo(400);
        assertThat(inUse.message()).isEqualTo("rpc error: code = InvalidArgument desc = secret 'ballast_token' is in "
                + "use by the following services: controller, dataplane");
        api.delete("/services/controller");
        assertThat(api.delete("/secrets/" + id).message()).endsWith("following service: dataplane");
        api.delete("/services/dataplane");
        assertThat(api.delete("/secrets/" + id).status()).isEqualTo(204);
        assertThat(api.get("/secrets/" + id).status()).isEqualTo(404);
    }

    private EngineClient.Reply createService(String name, String secrets) throws Exception {
        return api.post("/services/create", "{\"Name\":\"" + name + "\",\"TaskTemplate\":{\"ContainerSpec\":"
                + "{\"Image\":\"busybox\",\"Secrets\":[" + secrets + "]}}}");
    }

    @Test
    void createUpdateAndRemoveAreSecretEvents() throws Exception {
        String id = create("token", "{}", VALUE_B64);
        long version = api.get("/secrets/token").json().at("/Version/Index").asLong();
        api.post("/secrets/token/update?version=" + version, "{\"Name\":\"token\",\"Labels\":{\"x\":\"y\"}}");
        api.delete("/secrets/token");
        long until = System.currentTimeMillis() / 1000 + 1;
        HttpResponse<String> events = HttpClient.newHttpClient().send(HttpRequest.newBuilder(java.net.URI.create(
                api.base() + "/events?since=0&until=" + until + "&" + filters("{\"secret\":[\"tok\"]}").substring(1)))
                .build(), HttpResponse.BodyHandlers.ofString());
        List<JsonNode> lines = events.body().lines().map(EngineClient.JSON::readTree).toList();
        assertThat(lines).extracting(e -> e.get("Action").asString()).containsExactly("create", "update", "remove");
        assertThat(lines).allSatisfy(e -> {
            assertThat(e.get("Type").asString()).isEqualTo("secret");
            assertThat(e.at("/Actor/ID").asString()).isEqualTo(id);
            assertThat(e.at("/Actor/Attributes/name").asString()).isEqualTo("token");
        });
    }
}
