package dev.ballast.dist.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ballast.sim.model.Workloads;
import dev.ballast.sim.runtime.TaskLog;
import dev.ballast.sim.runtime.TaskLogs;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The demo's in-process tasks without an emulator: parts started and stopped on threads of their own, their log lines
 * routed to their task's log, a slot's ports handed on only once its previous part has stopped, and the replica that
 * would not fit in the demo's port ranges refused by name.
 */
class InProcessTasksTest {

    private final TaskLogs logs = new TaskLogs(Clock.systemUTC());
    private final TaskLogRouting routing = TaskLogRouting.install();
    private final List<String> announced = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void uninstall() {
        routing.close();
    }

    /** What the orchestrator hears back. */
    private final class Outcome implements Workloads.TaskCallback {
        final CountDownLatch done = new CountDownLatch(1);
        volatile String error;

        @Override
        public void running(int port) {
            done.countDown();
        }

        @Override
        public void failed(String error, int exitCode) {
            this.error = error;
            done.countDown();
        }

        void await() throws InterruptedException {
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static Workloads.TaskLaunch launch(String taskId, int slot) {
        return new Workloads.TaskLaunch(taskId, "svc", "proxy_proxy", slot, "node", "ballast:latest", List.of(),
                Map.of(), "host", List.of());
    }

    /** A part that logs through SLF4J on a thread it creates, as a replica's event loops do, and records its close. */
    private InProcessTasks.Started part(String name) throws InterruptedException {
        Thread worker = new Thread(() -> LoggerFactory.getLogger("dev.ballast.Part").info("{} works", name));
        worker.start();
        worker.join();
        LoggerFactory.getLogger(TaskLogRouting.ACCESS_LOGGER).info("127.0.0.1 \"GET /{}\" 200", name);
        events.add("started " + name);
        return new InProcessTasks.Started(() -> {
            Thread.sleep(200); // draining
            events.add("closed " + name);
        }, name + " on its ports", name + "'s address");
    }

    @Test
    void partsRunAsTasksAndTheirLinesGoToTheTasksLog() throws Exception {
        InProcessTasks tasks = new InProcessTasks(routing, (launch, log) -> part(launch.taskId()), announced::add);
        TaskLog log = logs.open("t1", "svc", "node");
        Outcome outcome = new Outcome();
        tasks.start(launch("t1", 1), log, outcome);
        outcome.await();
        assertThat(outcome.error).isNull();
        assertThat(tasks.firstStart(1).get()).isEqualTo("t1's address");
        assertThat(log.tail(-1, null)).extracting(TaskLog.Line::stream, TaskLog.Line::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple(TaskLog.Stream.STDERR, "INFO  Part - t1 works"),
                org.assertj.core.groups.Tuple.tuple(TaskLog.Stream.STDOUT, "127.0.0.1 \"GET /t1\" 200"),
                org.assertj.core.groups.Tuple.tuple(TaskLog.Stream.STDOUT, "t1 on its ports"));
        assertThat(announced).containsExactly("proxy_proxy.1 started: t1's address");

        LoggerFactory.getLogger("dev.ballast.Elsewhere").info("not a task's line");
        assertThat(log.tail(-1, null)).hasSize(3);

        tasks.stop("t1");
        await().atMost(Duration.ofSeconds(5)).until(() -> announced.contains("proxy_proxy.1 stopped"));
        assertThat(events).containsExactly("started t1", "closed t1");
        assertThat(log.tail(1, null).get(0).text()).isEqualTo("stopped: drained and closed");
    }

    @Test
    void aSlotsNextPartStartsOnlyOnceThePreviousOneHasStopped() throws Exception {
        InProcessTasks tasks = new InProcessTasks(routing, (launch, log) -> part(launch.taskId()), announced::add);
        Outcome first = new Outcome();
        tasks.start(launch("old", 1), logs.open("old", "svc", "node"), first);
        first.await();
        tasks.stop("old"); // a rolling update: the old task stops, its replacement starts in the same slot
        Outcome second = new Outcome();
        tasks.start(launch("new", 1), logs.open("new", "svc", "node"), second);
        second.await();
        assertThat(events).containsExactly("started old", "closed old", "started new");
        tasks.closeAll();
        assertThat(events).endsWith("closed new");
        Outcome refused = new Outcome();
        tasks.start(launch("late", 2), logs.open("late", "svc", "node"), refused);
        refused.await();
        assertThat(refused.error).isEqualTo("task: non-zero exit (143): the demo is stopping");
    }

    @Test
    void aPartThatCannotStartFailsItsTaskWithTheReason() throws Exception {
        ReplicaTask replicas = new ReplicaTask(Demo.Addresses.standard());
        assertThat(replicas.ports(3)).isEqualTo(new Demo.ReplicaPorts(8002, 8102));
        InProcessTasks tasks = new InProcessTasks(routing, replicas, announced::add);
        TaskLog log = logs.open("t101", "svc", "node");
        Outcome outcome = new Outcome();
        tasks.start(launch("t101", 101), log, outcome);
        outcome.await();
        String reason = "cannot start dataplane proxy_proxy.101: the demo runs at most 100 replicas (ports "
                + "8000-8099, admin 8100-8199)";
        assertThat(outcome.error).isEqualTo("task: non-zero exit (1): " + reason);
        assertThat(log.tail(-1, null)).extracting(TaskLog.Line::text).containsExactly(reason);
        assertThatThrownBy(() -> tasks.firstStart(101).get()).isInstanceOf(ExecutionException.class)
                .hasRootCauseMessage(reason);
        assertThat(announced).isEmpty();
    }
}
