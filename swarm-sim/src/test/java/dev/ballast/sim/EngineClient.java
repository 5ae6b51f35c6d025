package dev.ballast.sim;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Plain HTTP calls to the emulator, for what docker-java cannot express (raw errors, versions, the side door). */
final class EngineClient {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    EngineClient(String tcpAddress) {
        this.base = tcpAddress.replace("tcp://", "http://");
    }

    /** The emulator's address as an {@code http://} URL. */
    String base() {
        return base;
    }

    record Reply(int status, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }

        String message() {
            return json().path("message").asString();
        }
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET());
    }

    Reply post(String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).DELETE());
    }

    Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body());
    }

    /** Creates a whoami service; {@code extra} is spliced into the spec's top level. */
    String createWhoami(String name, int replicas, String network, String extra) throws IOException, InterruptedException {
        Reply reply = post("/services/create", "{\"Name\":\"" + name + "\",\"TaskTemplate\":{\"ContainerSpec\":"
                + "{\"Image\":\"emilevauge/whoami\",\"Args\":[\"-port\",\"8080\"]}"
                + (network == null ? "" : ",\"Networks\":[{\"Target\":\"" + network + "\"}]") + "},"
                + "\"Mode\":{\"Replicated\":{\"Replicas\":" + replicas + "}}" + extra + "}");
        if (reply.status() != 201) {
            throw new AssertionError(reply);
        }
        return reply.json().get("ID").asString();
    }

    JsonNode tasks(String service) throws IOException, InterruptedException {
        return get("/tasks?filters=" + java.net.URLEncoder.encode("{\"service\":[\"" + service + "\"]}",
                java.nio.charset.StandardCharsets.UTF_8)).json();
    }

    /** Addresses (without prefix length) of the running, wanted tasks of a service. */
    java.util.List<String> runningAddresses(String service) throws IOException, InterruptedException {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode t : tasks(service)) {
            if (t.path("DesiredState").asString().equals("running") && t.at("/Status/State").asString().equals("running")) {
                for (JsonNode a : t.path("NetworksAttachments")) {
                    out.add(a.path("Addresses").get(0).asString().replaceAll("/\\d+$", ""));
                }
            }
        }
        return out;
    }

    static Reply fetch(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body());
    }
}
