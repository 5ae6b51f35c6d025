package dev.ballast.dist;

import java.util.concurrent.CountDownLatch;

/** Keeps a long-running subcommand alive until the JVM is asked to stop (SIGTERM, Ctrl-C), then closes it. */
final class UntilStopped {

    private UntilStopped() {
    }

    static void await(String name, AutoCloseable running) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (Exception e) {
                // the JVM is going away whatever happens; nothing useful can be done with it here
            }
            stopped.countDown();
        }, name + "-shutdown"));
        stopped.await();
    }
}
