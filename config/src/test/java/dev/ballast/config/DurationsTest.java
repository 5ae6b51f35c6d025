package dev.ballast.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "500ms, PT0.5S",
        "30s, PT30S",
        "5m, PT5M",
        "1h, PT1H",
        "1m30s, PT1M30S",
        "3600, PT1H",      // Docker Flow's TIMEOUT_* are bare seconds
        "0, PT0S",
        "' 20s ', PT20S",
    })
    void parsesEveryForm(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "20 s", "-5s", "1.5s", "5d", "s", "ms10"})
    void refusesOtherText(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a duration");
    }

    @ParameterizedTest
    @CsvSource({"PT0S, 0s", "PT0.5S, 500ms", "PT20S, 20s", "PT1H30M, 1h30m", "PT1.25S, 1s250ms", "PT3600S, 1h"})
    void formatsCanonically(Duration duration, String expected) {
        assertThat(Durations.format(duration)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"3600", "60m", "1h"})
    void spellingsOfOneDurationFormatTheSame(String text) {
        assertThat(Durations.format(Durations.parse(text))).isEqualTo("1h");
    }

    @net.jqwik.api.Property
    void formatThenParseIsIdentity(@net.jqwik.api.ForAll @net.jqwik.api.constraints.LongRange(min = 0, max = 10_000_000_000L) long millis) {
        Duration d = Duration.ofMillis(millis);
        assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }
}
