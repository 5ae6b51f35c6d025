package dev.ballast.controller.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch of a route directory survives files and directories that vanish while it walks the tree (temporary files
 * renamed into place, directories removed): a change made afterwards is still seen at once, not at the next resync.
 */
class GitOpsWatchTest {

    @TempDir
    Path routes;

    @Test
    void filesThatVanishWhileTheTreeIsWalkedDoNotEndTheWatch() throws Exception {
        Files.createDirectories(routes.resolve("team/a"));
        AtomicInteger changes = new AtomicInteger();
        try (GitOpsSource source = new GitOpsSource(routes, Clock.systemUTC())) {
            source.watch(changes::incrementAndGet);
            AtomicBoolean churning = new AtomicBoolean(true);
            Thread churn = new Thread(() -> {
                for (int i = 0; churning.get(); i++) {
                    try {
                        Path dir = Files.createDirectories(routes.resolve("team/a/d" + (i % 8)));
                        Path next = Files.writeString(dir.resolve("web.yaml.next"), "# " + i);
                        Files.move(next, dir.resolve("web.yaml"), StandardCopyOption.ATOMIC_MOVE);
                        Files.delete(dir.resolve("web.yaml"));
                        Files.delete(dir);
                    } catch (IOException e) {
                        // a directory the walk registered meanwhile: try the next one
                    }
                }
            }, "churn");
            churn.start();
            Thread.sleep(2000);
            churning.set(false);
            churn.join();

            Thread.sleep(300); // the events of the churn are taken
            int before = changes.get();
            Files.writeString(routes.resolve("team/late.yaml"), "# written after the churn");
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() > before);
        }
        assertThat(changes.get()).isPositive();
    }
}
