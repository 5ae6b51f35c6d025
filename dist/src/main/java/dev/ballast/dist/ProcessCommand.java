package dev.ballast.dist;

import dev.ballast.config.ConfigException;
import dev.ballast.config.ConfigResolver;
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

    private final String section;
    private final List<Setting<?>> settings;
    private final String description;
    private CommandSpec spec;

    ProcessCommand(String section, List<Setting<?>> settings, String description) {
        this.section = section;
        this.settings = settings;
        this.description = description;
    }

    void addOptionsTo(CommandSpec spec) {
        this.spec = spec;
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder(CONFIG_FLAG).paramLabel("FILE").type(String.class)
                .description("YAML config file (section '" + section + "'); also BALLAST_CONFIG").build());
        for (Setting<?> setting : settings) {
            String defaults = setting.defaultValue() == null ? "" : " (default: " + setting.defaultValue() + ")";
            spec.addOption(OptionSpec.builder(setting.flag())
                    .paramLabel(setting.key().toUpperCase(java.util.Locale.ROOT))
                    .type(String.class)
                    .description(setting.description() + defaults + "; env " + String.join(", ", setting.env()))
                    .build());
        }
    }

    @Override
    public Integer call() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, String> flags = new HashMap<>();
        for (Setting<?> setting : settings) {
            String value = parsed.matchedOptionValue(setting.flag(), null);
            if (value != null) {
                flags.put(setting.key(), value);
            }
        }
        Optional<Path> configFile = Optional.ofNullable(parsed.<String>matchedOptionValue(CONFIG_FLAG, null))
                .or(() -> Optional.ofNullable(System.getenv("BALLAST_CONFIG")))
                .map(Path::of);
        try {
            ConfigResolver.resolve(section, settings, configFile, System.getenv(), flags);
        } catch (ConfigException e) {
            e.problems().forEach(p -> spec.commandLine().getErr().println("ballast " + section + ": " + p));
            return Main.USAGE;
        }
        spec.commandLine().getErr().println("ballast " + section + ": not available yet in this build");
        return Main.USAGE;
    }
}
