package dev.ballast.observability.netty;

import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ending a process's event loops without letting them hold its stop. A stop waits for its loops, but not for good: a
 * loop that has not ended some seconds past Netty's own timeout is left to the process's exit, with a warning. Netty's
 * io_uring loop can wait for a completion that never comes as it ends, and a replica stopped by SIGTERM was once found
 * an hour later still waiting, its loops' threads gone, on the termination of its admin loop.
 */
public final class LoopShutdown {

    private static final Logger LOG = LoggerFactory.getLogger(LoopShutdown.class);
    /** How long past Netty's timeout a stop waits for the loops to end. */
    static final long MARGIN_MILLIS = 3000;

    private LoopShutdown() {
    }

    /**
     * Shuts {@code loops} down (Netty ends them after {@code quietMillis} without a task, within {@code timeoutMillis})
     * and waits for them to end, {@code timeoutMillis} plus {@link #MARGIN_MILLIS} at most.
     *
     * @param what the loops, as the warning names them ("the traffic event loops")
     * @return whether they ended in time
     */
    public static boolean shutDown(EventLoopGroup loops, String what, long quietMillis, long timeoutMillis) {
        boolean ended = loops.shutdownGracefully(quietMillis, timeoutMillis, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(timeoutMillis + MARGIN_MILLIS);
        if (!ended) {
            LOG.warn("{} did not end within {} ms of the stop; left to the process's exit", what,
                    timeoutMillis + MARGIN_MILLIS);
        }
        return ended;
    }
}
