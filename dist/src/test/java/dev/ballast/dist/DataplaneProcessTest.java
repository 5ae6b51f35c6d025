package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DataplaneProcessTest {

    private final String before = System.getProperty(DataplaneProcess.TRACK_PINNED_MEMORY);

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(DataplaneProcess.TRACK_PINNED_MEMORY);
        } else {
            System.setProperty(DataplaneProcess.TRACK_PINNED_MEMORY, before);
        }
    }

    @Test
    void pinnedMemoryAccountingIsOffUnlessTheOperatorSaysOtherwise() {
        System.clearProperty(DataplaneProcess.TRACK_PINNED_MEMORY);
        DataplaneProcess.noPinnedMemoryAccounting();
        assertThat(System.getProperty(DataplaneProcess.TRACK_PINNED_MEMORY)).isEqualTo("false");
        System.setProperty(DataplaneProcess.TRACK_PINNED_MEMORY, "true");
        DataplaneProcess.noPinnedMemoryAccounting();
        assertThat(System.getProperty(DataplaneProcess.TRACK_PINNED_MEMORY)).isEqualTo("true");
    }
}
