package dev.ballast.dist;

import dev.ballast.config.ControllerConfig;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.DemoConfig;
import dev.ballast.config.SimConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar ballast.jar <command>}. */
@Command(name = "ballast", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A reverse proxy for Docker Swarm that configures itself from service labels.",
        subcommands = {ValidateCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit status of usage errors and of commands this build does not have yet. */
    static final int USAGE = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Lines logged through java.util.logging (the OpenTelemetry SDK's export failures) take our format too: JSON
        // with --log-format json, not two lines of JUL text in the middle of it.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(commandLine().execute(args));
    }

    /** The whole command tree; separate from {@link #main} so tests can run it without exiting. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand("controller", new ProcessCommand("controller", ControllerConfig.SETTINGS,
                "Watches Swarm and GitOps routes and serves snapshots to dataplanes.", ControllerProcess::run));
        cli.addSubcommand("dataplane", new ProcessCommand("dataplane", DataplaneConfig.SETTINGS,
                "Runs one proxy replica.", DataplaneProcess::run));
        cli.addSubcommand("sim", new ProcessCommand("sim", SimConfig.SETTINGS,
                "Runs the Docker Engine API emulator (swarm-sim).", SimProcess::run));
        cli.addSubcommand("demo", new ProcessCommand("demo", DemoConfig.SETTINGS,
                "Runs the Docker Flow Proxy tutorial on one machine: an emulator whose proxy stack is a controller "
                        + "and two dataplanes you can scale, with the tutorial's http stack.", DemoProcess::run));
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (sub.getCommand() instanceof ProcessCommand process) {
                process.addOptionsTo(sub.getCommandSpec());
            }
        }
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties properties = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/ballast-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {"ballast " + properties.getProperty("version", "(unknown version)")};
        }
    }
}
