package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

    @TempDir
    Path dir;

    /** Exit code and both streams of one run. */
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void theShippedExamplesAreValid() {
        Run run = run("validate", "examples");
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("ok: 4 route(s) in 3 file(s)");
    }

    @Test
    void problemsArePrintedOnePerLineAndExitOne() throws IOException {
        Path file = dir.resolve("web.yaml");
        Files.writeString(file, """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: web }
                spec:
                  service: web
                  rules:
                    - paths: [/web/]
                      port: 70000
                """);
        Run run = run("validate", file.toString(), "examples");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo(file + ":8: spec.rules[0].port: 70000 is not a port (1-65535)\n");
        assertThat(run.err()).contains("1 problem(s) in 4 file(s); 4 valid route(s)");
    }

    @Test
    void usageErrorsExitTwo() {
        Run missing = run("validate", dir.resolve("nope.yaml").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.yaml: no such file or directory");

        assertThat(run("validate").exit()).isEqualTo(2);
        assertThat(run("no-such-command").exit()).isEqualTo(2);
        assertThat(run().exit()).isEqualTo(2);
    }

    @Test
    void versionAndHelp() {
        Run version = run("--version");
        assertThat(version.exit()).isZero();
        assertThat(version.out()).startsWith("ballast ");
        Run help = run("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("controller", "dataplane", "validate", "sim", "demo");
        assertThat(run("dataplane", "--help").out()).contains("--timeout-server", "TIMEOUT_SERVER", "--controller");
    }

    @Test
    void processCommandsCheckTheirConfigurationBeforeStarting() {
        Run neither = run("dataplane");
        assertThat(neither.exit()).isEqualTo(2);
        assertThat(neither.err()).contains("give --controller URL[,URL] to pull from controllers, or --routes");

        Run badUrl = run("dataplane", "--controller", "ftp://somewhere");
        assertThat(badUrl.exit()).isEqualTo(2);
        assertThat(badUrl.err()).contains("--controller (command line)");

        Run demo = run("demo", "--empty=perhaps");
        assertThat(demo.exit()).isEqualTo(2);
        assertThat(demo.err()).contains("--empty (command line): \"perhaps\" is not a boolean");

        Run badController = run("controller", "--resync-interval", "often");
        assertThat(badController.exit()).as("a bad setting stops it before it starts").isEqualTo(2);
        assertThat(badController.err()).contains("--resync-interval (command line): \"often\" is not a duration");

        Run bad = run("dataplane", "--routes", "x", "--listen", "nowhere");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("ballast dataplane: --listen (command line): \"nowhere\" is not host:port");

        Run repeated = run("dataplane", "--routes", "x", "--tls-listen", "127.0.0.1:8443", "--tls-listen", "far");
        assertThat(repeated.exit()).as("a repeatable flag reads every occurrence").isEqualTo(2);
        assertThat(repeated.err()).contains("--tls-listen (command line): \"far\" is not host:port");
        Run twice = run("dataplane", "--routes", "x", "--listen", "127.0.0.1:8000", "--listen", "away");
        assertThat(twice.err()).contains("--listen (command line): \"away\" is not host:port");
    }

    @Test
    void aConfigFileIsReadAndItsErrorsNameFileAndLine() throws IOException {
        Path config = dir.resolve("ballast.yaml");
        Files.writeString(config, "dataplane:\n  routes: /routes\n  timeoutServer: soon\n");
        Run run = run("dataplane", "--config", config.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains(config + ":3 dataplane.timeoutServer: \"soon\" is not a duration");
    }
}
