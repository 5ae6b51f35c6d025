package dev.ballast.observability.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** The leak check catches a leak, and lets clean code through. */
class NoNettyLeaksExtensionTest {

    /** Run only through the test kit below. */
    static class Leaking {
        @Test
        void forgetsToRelease() {
            for (int i = 0; i < 20; i++) {
                ByteBuf buffer = PooledByteBufAllocator.DEFAULT.buffer(16);
                buffer.writeInt(i);
            }
        }
    }

    /** Run only through the test kit below. */
    static class Clean {
        @Test
        void releases() {
            ByteBuf buffer = PooledByteBufAllocator.DEFAULT.buffer(16);
            buffer.writeInt(1);
            buffer.release();
        }
    }

    private static Events run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(fixture))
                .execute()
                .containerEvents();
    }

    @Test
    void aLeakFailsTheClass() {
        Events containers = run(Leaking.class);
        assertThat(containers.failed().count()).isEqualTo(1);
        assertThat(containers.failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow())
                .hasMessageContaining("Netty reported buffer leaks").hasMessageContaining("LEAK: ByteBuf");
    }

    @Test
    void cleanCodePasses() {
        assertThat(run(Clean.class).failed().count()).isZero();
    }
}
