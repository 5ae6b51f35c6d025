package dev.ballast.observability.testing;

import dev.ballast.observability.netty.NettyLeaks;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a buffer leak while it ran. Registered for every test class through
 * {@code META-INF/services} and JUnit's extension auto-detection (switched on in the parent POM).
 *
 * <p>The detector only notices a leak when the leaked buffer has been collected and another buffer is allocated, so
 * after each class this collects garbage and allocates a few buffers before looking.
 */
public final class NoNettyLeaksExtension implements BeforeAllCallback, AfterAllCallback {

    static {
        NettyLeaks.install(); // before any test touches a buffer class
    }

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoNettyLeaksExtension.class);

    /** Reports before this index were already blamed on a class; a leak fails one class, not every enclosing one. */
    private static int claimed;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("start", NettyLeaks.count());
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        int start;
        synchronized (NoNettyLeaksExtension.class) {
            start = Math.max(context.getStore(NS).get("start", Integer.class), claimed);
        }
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
            for (ByteBufAllocator allocator : new ByteBufAllocator[] {PooledByteBufAllocator.DEFAULT,
                    UnpooledByteBufAllocator.DEFAULT}) {
                allocator.buffer(1).release();
                allocator.directBuffer(1).release();
            }
        }
        int now = NettyLeaks.count();
        if (now > start) {
            synchronized (NoNettyLeaksExtension.class) {
                claimed = Math.max(claimed, now);
            }
            throw new AssertionError("Netty reported buffer leaks during " + context.getDisplayName() + ":\n"
                    + String.join("\n", NettyLeaks.reportsSince(start)));
        }
    }
}
