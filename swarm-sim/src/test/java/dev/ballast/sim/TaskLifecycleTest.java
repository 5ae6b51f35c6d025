package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Tasks come, run real servers, are replaced, scaled, rolled and placed as Swarm does it. */
class TaskLifecycleTest {

    SwarmSim sim;
    EngineClient api;

    @BeforeEach
    void start() throws Exception {
        sim = SwarmSim.start(new SwarmSim.Options(2, Duration.ofMillis(5), Duration.ofMillis(100), 42, 0));
        api = new EngineClient(sim.listen("127.0.0.1:0"));
        sim.createNetwork("proxy", true);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** Waits for {@code count} running tasks; on a timeout the failure shows every task's state and error. */
    private List<String> awaitRunning(String service, int count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(api.runningAddresses(service))
                .as("running tasks of %s; all its tasks: %s", service, taskStates(service)).hasSize(count));
        try {
            return api.runningAddresses(service);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String taskStates(String service) throws Exception {
        StringBuilder states = new StringBuilder();
        for (JsonNode t : api.tasks(service)) {
            states.append("\n  slot ").append(t.path("Slot").asInt()).append(" on ").append(t.path("NodeID").asString())
                    .append(": desired ").append(t.path("DesiredState").asString()).append(", state ")
                    .append(t.at("/Status/State").asString()).append(" (").append(t.at("/Status/Message").asString())
                    .append(") ").append(t.at("/Status/Err").asString()).append(' ')
                    .append(t.path("NetworksAttachments").findValues("Addresses"));
        }
        return states.toString();
    }

    @Test
    void whoamiTasksAnswerLikeTheImageOnTheirOwnAddress() throws Exception {
        api.createWhoami("web", 1, "proxy", ",\"Labels\":{}");
        String address = awaitRunning("web", 1).get(0);
        EngineClient.Reply reply = EngineClient.fetch("http://" + address + ":8080/some/path?q=1");
        assertThat(reply.status()).isEqualTo(200);
        List<String> lines = reply.body().lines().toList();
        assertThat(lines.get(0)).matches("Hostname: [0-9a-f]{12}");
        assertThat(lines).contains("IP: 127.0.0.1", "IP: " + address, "GET /some/path?q=1 HTTP/1.1");
        assertThat(lines).anyMatch(l -> l.startsWith("RemoteAddr: 127.0.0.1:"));
        assertThat(lines).anyMatch(l -> l.equalsIgnoreCase("Host: " + address + ":8080"));
        String raw = rawExchange(address, 8080, "GET /raw HTTP/1.1\r\nHost: h\r\nX-Test: 1\r\nConnection: close\r\n\r\n");
        assertThat(raw.substring(raw.indexOf("GET /raw"))).as("headers exactly as sent")
                .isEqualTo("GET /raw HTTP/1.1\nHost: h\nX-Test: 1\nConnection: close\n\n");
        assertThat(EngineClient.fetch("http://" + address + ":8080/health").status()).isEqualTo(200);

        EngineClient.Reply echoed = new EngineClient("http://" + address + ":8080").post("/echo", "{\"hello\":1}");
        assertThat(echoed.body()).contains("POST /echo HTTP/1.1").endsWith("\n\n{\"hello\":1}");
    }

    @Test
    void aPlainHostnameIsHonoured() throws Exception {
        api.post("/services/create", "{\"Name\":\"named\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":"
                + "\"traefik/whoami\",\"Hostname\":\"my-host\"},\"Networks\":[{\"Target\":\"proxy\"}]}}");
        String address = awaitRunning("named", 1).get(0);
        assertThat(EngineClient.fetch("http://" + address + "/").body()).startsWith("Hostname: my-host\n");
    }

    @Test
    void theVirtualIpForwardsRoundRobinAndFollowsScaling() throws Exception {
        String id = api.createWhoami("web", 3, "proxy", "");
        awaitRunning("web", 3);
        String vip = api.get("/services/web").json().at("/Endpoint/VirtualIPs/0/Addr").asString().replace("/24", "");
        Set<String> hostnames = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            hostnames.add(firstLineOverNewConnection(vip, 8080)); // IPVS balances connections, not requests
        }
        assertThat(hostnames).hasSize(3);

        long version = api.get("/services/" + id).json().at("/Version/Index").asLong();
        JsonNode spec = api.get("/services/" + id).json().get("Spec");
        ((tools.jackson.databind.node.ObjectNode) spec.at("/Mode/Replicated")).put("Replicas", 0);
        assertThat(api.post("/services/" + id + "/update?version=" + version, spec.toString()).status()).isEqualTo(200);
        awaitRunning("web", 0);
        assertThat(api.get("/services/web").status()).as("scaled to 0, the service stays").isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThatThrownBy(() -> EngineClient.fetch("http://" + vip + ":8080/")).isInstanceOf(java.io.IOException.class));
    }

    private static String firstLineOverNewConnection(String host, int port) throws java.io.IOException {
        String body = rawExchange(host, port, "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
        return body.lines().findFirst().orElseThrow();
    }

    /** Sends {@code request} on a new connection and returns the response body. */
    private static String rawExchange(String host, int port, String request) throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket(host, port)) {
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    @Test
    void aKilledTaskFailsAndIsReplaced() throws Exception {
        api.createWhoami("web", 1, "proxy", "");
        awaitRunning("web", 1);
        JsonNode task = api.tasks("web").get(0);
        String address = awaitRunning("web", 1).get(0);

        assertThat(api.post("/_sim/tasks/" + task.get("ID").asString() + "/kill", "").status()).isEqualTo(200);

        JsonNode killed = api.get("/tasks/" + task.get("ID").asString()).json();
        assertThat(killed.at("/Status/State").asString()).isEqualTo("failed");
        assertThat(killed.at("/Status/Err").asString()).isEqualTo("task: non-zero exit (137)");
        assertThat(killed.path("DesiredState").asString()).isEqualTo("shutdown");
        assertThatThrownBy(() -> EngineClient.fetch("http://" + address + ":8080/")).isInstanceOf(java.io.IOException.class);

        String replacement = awaitRunning("web", 1).get(0);
        JsonNode tasks = api.tasks("web");
        assertThat(tasks).hasSize(2);
        assertThat(tasks).extracting(t -> t.path("Slot").asInt()).containsOnly(1);
        assertThat(EngineClient.fetch("http://" + replacement + ":8080/").status()).isEqualTo(200);
    }

    @Test
    void aPortThatCannotBeBoundFailsTheTaskWithTheError() throws Exception {
        // In a fresh swarm the first overlay is 127.B.1.0/24; the service's VIP takes .2, its first task .3.
        String taskAddress = "127." + sim.addressBlock() + ".1.3";
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(taskAddress, 8080));
            api.post("/services/create", "{\"Name\":\"web\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":"
                    + "\"traefik/whoami\",\"Args\":[\"--port\",\"8080\"]},\"Networks\":[{\"Target\":\"proxy\"}],"
                    + "\"RestartPolicy\":{\"Condition\":\"none\"}}}");
            await().atMost(Duration.ofSeconds(5)).until(() -> api.tasks("web").get(0).at("/Status/State").asString()
                    .equals("failed"));
        }
        JsonNode task = api.tasks("web").get(0);
        assertThat(task.at("/Status/Err").asString())
                .startsWith("task: non-zero exit (1): listen tcp " + taskAddress + ":8080: bind: ");
        assertThat(api.tasks("web")).as("restart condition none: not replaced").hasSize(1);
    }

    @Test
    void anImageChangeRollsTheTasksSlotBySlot() throws Exception {
        String id = api.createWhoami("web", 2, "proxy", "");
        awaitRunning("web", 2);
        Set<String> before = new HashSet<>(api.tasks("web").findValuesAsString("ID"));
        JsonNode service = api.get("/services/" + id).json();
        tools.jackson.databind.node.ObjectNode spec = (tools.jackson.databind.node.ObjectNode) service.get("Spec");
        ((tools.jackson.databind.node.ObjectNode) spec.at("/TaskTemplate/ContainerSpec")).put("Image", "traefik/whoami:v1.10");
        assertThat(api.post("/services/" + id + "/update?version=" + service.at("/Version/Index").asLong(),
                spec.toString()).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).until(() ->
                api.get("/services/" + id).json().at("/UpdateStatus/State").asString().equals("completed"));
        JsonNode tasks = api.tasks("web");
        assertThat(tasks).hasSize(4);
        for (JsonNode t : tasks) {
            boolean old = before.contains(t.get("ID").asString());
            assertThat(t.path("DesiredState").asString()).isEqualTo(old ? "shutdown" : "running");
            assertThat(t.at("/Spec/ContainerSpec/Image").asString()).isEqualTo(old ? "emilevauge/whoami" : "traefik/whoami:v1.10");
        }
        assertThat(api.get("/services/" + id).json().at("/PreviousSpec/TaskTemplate/ContainerSpec/Image").asString())
                .isEqualTo("emilevauge/whoami");
    }

    @Test
    void globalServicesRunOnEveryEligibleNodeAndConstraintsPlaceTasks() throws Exception {
        api.post("/services/create", "{\"Name\":\"agent\",\"Mode\":{\"Global\":{}},\"TaskTemplate\":"
                + "{\"ContainerSpec\":{\"Image\":\"busybox\"}}}");
        await().atMost(Duration.ofSeconds(5)).until(() -> api.tasks("agent").size() == 2);
        assertThat(api.tasks("agent").findValuesAsString("NodeID")).doesNotHaveDuplicates();
        assertThat(api.tasks("agent")).allSatisfy(t -> assertThat(t.has("Slot")).isFalse());

        api.post("/services/create", "{\"Name\":\"pinned\",\"Mode\":{\"Replicated\":{\"Replicas\":3}},"
                + "\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"busybox\"},"
                + "\"Placement\":{\"Constraints\":[\"node.hostname == emu-2\"]}}}");
        String emu2 = api.get("/nodes/emu-2").json().get("ID").asString();
        await().atMost(Duration.ofSeconds(5)).until(() -> api.tasks("pinned").size() == 3);
        assertThat(api.tasks("pinned").findValuesAsString("NodeID")).containsOnly(emu2);

        api.post("/services/create", "{\"Name\":\"nowhere\",\"TaskTemplate\":{\"ContainerSpec\":"
                + "{\"Image\":\"busybox\"},\"Placement\":{\"Constraints\":[\"node.labels.gpu == true\"]}}}");
        JsonNode pending = api.tasks("nowhere").get(0);
        assertThat(pending.at("/Status/State").asString()).isEqualTo("pending");
        assertThat(pending.at("/Status/Err").asString()).startsWith("no suitable node");
    }

    @Test
    void anOldClientsTopLevelNetworksAreHonoured() throws Exception {
        EngineClient.Reply created = api.post("/v1.30/services/create", "{\"Name\":\"old\",\"TaskTemplate\":"
                + "{\"ContainerSpec\":{\"Image\":\"busybox\"}},\"Networks\":[{\"Target\":\"proxy\"}]}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(api.get("/v1.30/services/old").json().at("/Spec/TaskTemplate/Networks/0/Target").asString()).hasSize(25);
        api.post("/services/create", "{\"Name\":\"new\",\"TaskTemplate\":"
                + "{\"ContainerSpec\":{\"Image\":\"busybox\"}},\"Networks\":[{\"Target\":\"proxy\"}]}");
        assertThat(api.get("/services/new").json().at("/Spec/TaskTemplate/Networks").isMissingNode())
                .as("ignored from API 1.44 on").isTrue();
    }
}
