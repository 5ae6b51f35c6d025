package dev.ballast.dist;

import dev.ballast.schema.LoadResult;
import dev.ballast.schema.Problem;
import dev.ballast.schema.RouteLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** {@code ballast validate PATH…}: checks Route files the way the controller will read them. */
@CommandLine.Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks Route files (YAML or JSON, one or more documents each) or directories of them.",
                "Prints each problem as file:line: field: message.",
                "Exit status: 0 all valid, 1 problems found, 2 usage error (e.g. a path that does not exist)."})
final class ValidateCommand implements Callable<Integer> {

    @CommandLine.Parameters(arity = "1..*", paramLabel = "PATH", description = "Route files or directories")
    private List<Path> paths;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Path> missing = paths.stream().filter(p -> !Files.exists(p)).toList();
        if (!missing.isEmpty()) {
            missing.forEach(p -> err.println("ballast validate: " + p + ": no such file or directory"));
            return Main.USAGE;
        }
        LoadResult result = RouteLoader.load(paths);
        result.problems().forEach(p -> out.println(p.format()));
        long errors = result.problems().stream().filter(Problem::isError).count();
        err.println(errors == 0
                ? "ok: " + result.routes().size() + " route(s) in " + result.files().size() + " file(s)"
                : errors + " problem(s) in " + result.files().size() + " file(s); "
                        + result.routes().size() + " valid route(s)");
        out.flush();
        return errors == 0 ? 0 : 1;
    }
}
