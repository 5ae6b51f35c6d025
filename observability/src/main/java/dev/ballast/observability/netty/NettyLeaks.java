package dev.ballast.observability.netty;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts the buffer leaks Netty's leak detector reports, besides logging them as usual.
 *
 * <p>{@link #install()} must run before Netty creates its detectors, which it does when the buffer classes are first
 * initialised: at process start, or (in tests) from a JUnit extension loaded before any test.
 */
public final class NettyLeaks {

    private static final List<String> REPORTS = new ArrayList<>();
    private static volatile boolean installed;

    private NettyLeaks() {
    }

    /** Installs the counting detector factory; idempotent. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
                return new CountingDetector<>(resource, samplingInterval);
            }

            @Override
            @SuppressWarnings("deprecation") // abstract in Netty 4.2, so it has to be implemented
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                      long maxActive) {
                return new CountingDetector<>(resource, samplingInterval);
            }
        });
        installed = true;
    }

    /** How many leaks have been reported since the process started. */
    public static synchronized int count() {
        return REPORTS.size();
    }

    /** The reports from the {@code from}-th on. */
    public static synchronized List<String> reportsSince(int from) {
        return List.copyOf(REPORTS.subList(Math.min(from, REPORTS.size()), REPORTS.size()));
    }

    private static synchronized void record(String report) {
        REPORTS.add(report);
    }

    private static final class CountingDetector<T> extends ResourceLeakDetector<T> {
        CountingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true; // count even when the error log level is off
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record("LEAK: " + resourceType + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record("LEAK: " + resourceType + " (untraced)");
            super.reportUntracedLeak(resourceType);
        }
    }
}
