package dev.ballast.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The settings tables of docs/reference.md are the ones generated from the Setting declarations. */
class ReadmeSettingsTest {

    private static final Map<String, List<Setting<?>>> PROCESSES = Map.of(
            "controller", ControllerConfig.SETTINGS,
            "dataplane", DataplaneConfig.SETTINGS,
            "sim", SimConfig.SETTINGS,
            "demo", DemoConfig.SETTINGS);

    @ParameterizedTest
    @ValueSource(strings = {"controller", "dataplane", "sim", "demo"})
    void readmeCarriesTheGeneratedTable(String section) throws IOException {
        String generated = SettingsReference.markdown(section, PROCESSES.get(section));
        String readme = Files.readString(Path.of("..", "docs", "reference.md"));
        if (!readme.contains(generated)) {
            Path out = Path.of("target", "settings-" + section + ".md");
            Files.writeString(out, generated);
        }
        assertThat(readme).as("docs/reference.md's " + section + " settings table; regenerated table in target/settings-"
                + section + ".md").contains(generated);
    }
}
