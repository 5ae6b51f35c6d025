package dev.ballast.dist.e2e;

import static dev.ballast.dist.e2e.SwarmSystem.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.dataplane.Replica;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A swarm listener still pointed at the proxy: Docker Flow's push API on a replica's admin port reaches the controller
 * (through the replica, over real sockets), the controller makes the route, and every replica serves it.
 */
class DockerFlowPushEndToEndTest {

    static final Duration CONVERGE = Duration.ofSeconds(10);

    SwarmSystem system;
    Replica one;
    Replica two;

    @BeforeEach
    void start() throws Exception {
        system = new SwarmSystem();
        one = system.startReplica("one", null);
        two = system.startReplica("two", null);
    }

    @AfterEach
    void stop() throws Exception {
        system.close();
    }

    /** A call as the swarm listener makes it ({@code DF_NOTIFY_*_SERVICE_URL} pointed at the replica's admin port). */
    private static HttpResponse<String> notify(Replica replica, String pathAndQuery) throws Exception {
        return SwarmSystem.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + replica.server().adminAddress().getPort() + pathAndQuery)).timeout(CONVERGE).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aReconfigureOnAReplicasAdminPortRoutesTheServiceEverywhereAndARemoveUnroutesIt() throws Exception {
        system.createService("go-demo", 2); // no com.df labels: only the push makes it routed
        HttpResponse<String> created = notify(one, "/v1/docker-flow-proxy/reconfigure?serviceName=go-demo"
                + "&servicePath=/demo&port=8080&distribute=true&replicas=2");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(created.body()).contains("\"Status\":\"OK\"", "\"ServiceName\":\"go-demo\"");
        assertThat(created.headers().firstValue("Ballast-Controller")).contains(system.controllerUrl().toString());
        assertThat(system.controller().push().state()).containsKey("go-demo");

        for (Replica replica : new Replica[] {one, two}) {
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(20))
                    .until(() -> get(replica, "/demo/x").statusCode() == 200);
        }
        assertThat(get(two, "/demo/x").body()).contains("GET /demo/x");

        // the controller's refusals come back as the controller gave them (409: nothing to route on)
        HttpResponse<String> refused = notify(two, "/v1/docker-flow-proxy/reconfigure?serviceName=nothing&port=8080");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("\"Status\":\"NOK\"", "servicePath");

        HttpResponse<String> removed = notify(two, "/v1/docker-flow-proxy/remove?serviceName=go-demo&distribute=true");
        assertThat(removed.statusCode()).isEqualTo(200);
        for (Replica replica : new Replica[] {one, two}) {
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(20))
                    .until(() -> get(replica, "/demo/x").statusCode() == 404);
        }
    }

    @Test
    void withTheControllerDownTheReplicaSays502NamingIt() throws Exception {
        system.stopController();
        HttpResponse<String> answer = notify(one, "/v1/docker-flow-proxy/reconfigure?serviceName=a&servicePath=/a"
                + "&port=8080");
        assertThat(answer.statusCode()).isEqualTo(502);
        assertThat(answer.body()).contains("no controller answered: " + system.controllerUrl());
    }
}
