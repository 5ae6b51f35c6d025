package dev.ballast.dataplane.fuzz;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers the buffers it hands out, so that a fuzz target can tell right after an input whether
 * the code under test released all of them. Netty's leak detector would say so too, but only once the garbage
 * collector has found the buffer, thousands of inputs later, with nothing to tell which one leaked. Heap buffers only
 * (a direct one is asked for, a heap one given): the code under test must not care. Not thread-safe: a fuzz target
 * runs one input at a time on one thread.
 */
final class TrackingAllocator extends AbstractByteBufAllocator {

    private final List<ByteBuf> handedOut = new ArrayList<>();

    TrackingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buffer = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        handedOut.add(buffer);
        return buffer;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** How many of the buffers handed out since the last call are still held; forgets them all. */
    int unreleased() {
        int held = 0;
        for (ByteBuf buffer : handedOut) {
            if (buffer.refCnt() > 0) {
                held++;
            }
        }
        handedOut.clear();
        return held;
    }
}
