package dev.ballast.dataplane.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.labels.LabelWalk.Answer;
import dev.ballast.schema.EndpointMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The labels that decide which task gets a request, walked through a running replica with three tasks. */
class BalancingLabelsWalkTest {

    private LabelWalk walk;

    @BeforeEach
    void start() throws Exception {
        walk = new LabelWalk(3);
    }

    @AfterEach
    void stop() {
        walk.close();
    }

    @Test
    @Walks("lb")
    void lbRoundRobinVisitsEveryTaskInTurn() throws Exception {
        walk.serve("servicePath=/", "port={port}", "lb=RoundRobin");
        Map<String, Integer> visits = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            visits.merge(walk.send("GET", "/").task(), 1, Integer::sum);
        }
        assertThat(visits).containsOnlyKeys("127.0.0.1", "127.0.0.2", "127.0.0.3").allSatisfy((task, n) ->
                assertThat(n).as(task).isEqualTo(2));
    }

    @Test
    @Walks("retries")
    void retriesTakeARefusedRequestToAnotherTask() throws Exception {
        walk.deadTask("127.0.0.9");
        walk.serve("servicePath=/", "port={port}", "lb=RoundRobin", "retries=1");
        for (int i = 0; i < 8; i++) {
            assertThat(walk.send("GET", "/").status()).as("request %d", i).isEqualTo(200);
        }
        walk.serve("servicePath=/", "port={port}", "lb=RoundRobin", "retries=0");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            statuses.add(walk.send("GET", "/").status());
        }
        assertThat(statuses).as("without retries the dead task's turns fail").contains(502);
    }

    @Test
    @Walks({"healthCheckPath", "healthCheckInterval"})
    void aTaskFailingItsHealthCheckGetsNoMoreRequests() throws Exception {
        walk.serve("servicePath=/", "port={port}", "lb=RoundRobin", "healthCheckPath=/health",
                "healthCheckInterval=200ms");
        walk.unhealthy(1);
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> lastRound;
        do {
            Thread.sleep(200);
            lastRound = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                lastRound.add(walk.send("GET", "/").task());
            }
        } while (lastRound.contains("127.0.0.2") && System.nanoTime() < deadline);
        assertThat(lastRound).doesNotContain("127.0.0.2").contains("127.0.0.1", "127.0.0.3");
    }

    @Test
    @Walks("sessionType")
    void stickyServerKeepsAClientOnOneTask() throws Exception {
        walk.serve("servicePath=/", "port={port}", "sessionType=sticky-server");
        Answer first = walk.send("GET", "/");
        String cookie = first.header("Set-Cookie");
        assertThat(cookie).startsWith("BALLAST_STICKY=").doesNotContain(first.task());
        String pin = cookie.split(";")[0];
        for (int i = 0; i < 10; i++) {
            assertThat(walk.send("GET", "/", "Cookie: " + pin).task()).isEqualTo(first.task());
        }
    }

    @Test
    @Walks("endpointMode")
    void endpointModeVipIsCarriedToTheController() throws Exception {
        // Which addresses a VIP route gets is the controller's business (SwarmReconcileTest follows it through the
        // emulator); the replica serves whatever endpoints the snapshot names.
        assertThat(walk.serve("servicePath=/", "port={port}", "endpointMode=vip").spec().endpointMode())
                .isEqualTo(EndpointMode.VIP);
        assertThat(walk.send("GET", "/").status()).isEqualTo(200);
    }
}
