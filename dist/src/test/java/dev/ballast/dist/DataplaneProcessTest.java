package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.config.ConfigResolver;
import dev.ballast.config.DataplaneConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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

    @Test
    void aMissingErrorPagesDirectoryIsAUsageErrorNamingIt(@TempDir Path dir) throws Exception {
        Path routes = Files.createDirectory(dir.resolve("routes"));
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(CommandLine.Model.CommandSpec.create()).setErr(new PrintWriter(err, true));
        int status = DataplaneProcess.run(ConfigResolver.resolve("dataplane", DataplaneConfig.SETTINGS, Optional.empty(),
                Map.of(), Map.of("routes", routes.toString(), "errorPages", dir.resolve("pages").toString(),
                        "listen", "127.0.0.1:0", "adminListen", "127.0.0.1:0")), cli);
        assertThat(status).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("--error-pages").contains("pages");
    }
}
