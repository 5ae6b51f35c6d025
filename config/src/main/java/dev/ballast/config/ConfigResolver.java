package dev.ballast.config;

import dev.ballast.config.yaml.LocatedYamlReader;
import dev.ballast.config.yaml.YamlDocument;
import dev.ballast.config.yaml.YamlSyntaxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * Layers the sources of one process's settings: defaults &lt; YAML config file &lt; environment &lt; command line.
 *
 * <p>The config file holds one section per process ({@code controller:}, {@code dataplane:}, {@code sim:}), so one
 * file can configure a whole deployment; a process reads its own section and checks that the others are known names.
 * Every problem is collected before failing, so a user fixes them all in one round.
 */
public final class ConfigResolver {

    /** The sections a config file may have. */
    public static final Set<String> SECTIONS = Set.of("controller", "dataplane", "sim");

    private ConfigResolver() {
    }

    /**
     * Resolves {@code settings} for the process {@code section}.
     *
     * @param file the YAML config file, if one was given
     * @param env the process environment
     * @param flags command-line values by setting key (only those given on the command line)
     */
    public static ResolvedConfig resolve(String section, List<Setting<?>> settings, Optional<Path> file,
                                         Map<String, String> env, Map<String, String> flags) throws ConfigException {
        List<String> problems = new ArrayList<>();
        Map<String, FileValue> fileValues = file.map(f -> readFile(f, section, settings, problems)).orElse(Map.of());
        Map<String, ResolvedConfig.Entry> entries = new HashMap<>();
        for (Setting<?> setting : settings) {
            Candidate candidate = pick(setting, fileValues, env, flags);
            if (candidate == null) {
                continue;
            }
            try {
                entries.put(setting.key(), new ResolvedConfig.Entry(setting.parse(candidate.text()), candidate.origin()));
            } catch (IllegalArgumentException e) {
                problems.add(candidate.origin() + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ResolvedConfig(entries);
    }

    private record Candidate(String text, String origin) {
    }

    /** A value from the config file; its origin names the file, line and key. */
    private record FileValue(String text, String origin) {
    }

    private static Candidate pick(Setting<?> setting, Map<String, FileValue> fileValues,
                                  Map<String, String> env, Map<String, String> flags) {
        String flag = flags.get(setting.key());
        if (flag != null) {
            return new Candidate(flag, setting.flag() + " (command line)");
        }
        for (String name : setting.env()) {
            String value = env.get(name);
            if (value != null && !value.isEmpty()) {
                return new Candidate(value, name + " (environment)");
            }
        }
        FileValue fromFile = fileValues.get(setting.key());
        if (fromFile != null) {
            return new Candidate(fromFile.text(), fromFile.origin());
        }
        return setting.defaultValue() == null ? null : new Candidate(setting.defaultValue(), "default");
    }

    private static Map<String, FileValue> readFile(Path file, String section, List<Setting<?>> settings,
                                                   List<String> problems) {
        List<YamlDocument> documents;
        try {
            documents = LocatedYamlReader.readAll(Files.readString(file));
        } catch (IOException e) {
            problems.add(file + ": cannot read config file: " + e.getMessage());
            return Map.of();
        } catch (YamlSyntaxException e) {
            problems.add(file + ":" + e.line() + ": " + e.getMessage());
            return Map.of();
        }
        if (documents.isEmpty()) {
            return Map.of();
        }
        YamlDocument document = documents.get(0);
        if (documents.size() > 1) {
            problems.add(file + ":" + documents.get(1).startLine() + ": a config file holds one YAML document");
        }
        if (!document.root().isObject()) {
            problems.add(file + ":" + document.startLine() + ": expected a mapping with sections "
                    + String.join(", ", SECTIONS.stream().sorted().toList()));
            return Map.of();
        }
        for (String name : document.root().propertyNames()) {
            if (!SECTIONS.contains(name)) {
                problems.add(file + ":" + document.lineOf("/" + name) + ": " + name + ": unknown section"
                        + Suggestions.didYouMean(name, SECTIONS));
            }
        }
        JsonNode values = document.root().path(section);
        if (values.isMissingNode() || values.isNull()) {
            return Map.of();
        }
        if (!values.isObject()) {
            problems.add(file + ":" + document.lineOf("/" + section) + ": " + section + ": expected a mapping");
            return Map.of();
        }
        Set<String> known = settings.stream().map(Setting::key).collect(Collectors.toSet());
        Map<String, FileValue> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : values.properties()) {
            int line = document.lineOf("/" + section + "/" + e.getKey());
            String where = file + ":" + line + ": " + section + "." + e.getKey();
            if (!known.contains(e.getKey())) {
                problems.add(where + ": unknown setting" + Suggestions.didYouMean(e.getKey(), known));
            } else if (e.getValue().isObject()) {
                problems.add(where + ": expected a value or a list, not a mapping");
            } else {
                out.put(e.getKey(), new FileValue(fileText(e.getValue()), file + ":" + line + " " + section + "." + e.getKey()));
            }
        }
        return out;
    }

    /** Scalars as text; a YAML list becomes the comma-separated form that list settings parse. */
    private static String fileText(JsonNode value) {
        if (value.isArray()) {
            List<String> parts = new ArrayList<>();
            value.forEach(v -> parts.add(v.asString()));
            return String.join(",", parts);
        }
        return value.isNull() ? "" : value.asString();
    }
}
