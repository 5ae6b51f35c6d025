package dev.ballast.dist;

import dev.ballast.config.ConfigException;
import dev.ballast.config.ConfigResolver;
import dev.ballast.config.LoggingConfig;
import dev.ballast.config.ResolvedConfig;
import dev.ballast.config.Setting;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A long-running process command. Its flags are generated from the process's {@link Setting}s, so the command line,
 * the config file and the environment always offer the same settings under matching names.
 */
@CommandLine.Command(mixinStandardHelpOptions = true)
final class ProcessCommand implements Callable<Integer> {

    private static final String CONFIG_FLAG = "--config";

    /** What a process command runs once its configuration is resolved; returns the exit status. */
    @FunctionalInterface
    interface Runner {
        int run(ResolvedConfig config, CommandLine commandLine) throws Exception;
    }

    private final String section;
    private final List<Setting<?>> settings;
    private final String description;
    private final Runner runner;
    private CommandSpec spec;

    /** A command whose process is not built yet: it checks its configuration, then says so. */
    ProcessCommand(String section, List<Setting<?>> settings, String description) {
        this(section, settings, description, null);
    }

    ProcessCommand(String section, List<Setting<?>> settings, String description, Runner runner) {
        this.section = section;
        this.settings = settings;
        this.description = description;
        this.runner = runner;
    }

    void addOptionsTo(CommandSpec spec) {
        this.spec = spec;
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder(CONFIG_FLAG).paramLabel("FILE").type(String.class)
                .description("YAML config file (section '" + section + "'); also BALLAST_CONFIG").build());
        for (Setting<?> setting : settings) {
            String defaults = setting.defaultValue() == null ? "" : " (default: " + setting.defaultValue() + ")";
            OptionSpec.Builder option = OptionSpec.builder(setting.flag())
                    .paramLabel(setting.key().toUpperCase(java.util.Locale.ROOT))
                    .type(String.class)
                    .description(setting.description() + defaults + "; env " + String.join(", ", setting.env()));
            if ("false".equals(setting.defaultValue())) {
                option.arity("0..1").fallbackValue("true"); // a switch: --empty alone means --empty=true
            }
            if (setting.repeatable()) {
                option.type(String[].class).arity("1");
            }
            spec.addOption(option.build());
        }
    }

    @Override
    public Integer call() throws Exception {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, String> flags = new HashMap<>();
        for (Setting<?> setting : settings) {
            String value = setting.repeatable()
                    ? Optional.ofNullable(parsed.<String[]>matchedOptionValue(setting.flag(), null))
                            .map(values -> String.join(",", values)).orElse(null)
                    : parsed.matchedOptionValue(setting.flag(), null);
            if (value != null) {
                flags.put(setting.key(), value);
            }
        }
        Optional<Path> configFile = Optional.ofNullable(parsed.<String>matchedOptionValue(CONFIG_FLAG, null))
                .or(() -> Optional.ofNullable(System.getenv("BALLAST_CONFIG")))
                .map(Path::of);
        ResolvedConfig config;
        try {
            config = ConfigResolver.resolve(section, settings, configFile, System.getenv(), flags);
        } catch (ConfigException e) {
            e.problems().forEach(p -> spec.commandLine().getErr().println("ballast " + section + ": " + p));
            return Main.USAGE;
        }
        if (settings.contains(LoggingConfig.LOG_FORMAT)) {
            LogFormat.apply(config.get(LoggingConfig.LOG_FORMAT));
        }
        if (runner == null) {
            spec.commandLine().getErr().println("ballast " + section + ": not available yet in this build");
            return Main.USAGE;
        }
        return runner.run(config, spec.commandLine());
    }
}
