package dev.ballast.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The real {@code docker} CLI, pointed at an emulator, where one is on the PATH. */
record DockerCli(Path binary, String dockerHost, Path configDir) {

    record Result(int exit, String out, String err) {
    }

    /** The CLI on the PATH, if any. */
    static Optional<DockerCli> find(String dockerHost, Path configDir) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "docker");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return Optional.of(new DockerCli(candidate, dockerHost, configDir));
            }
        }
        return Optional.empty();
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(new byte[0], args);
    }

    /** Runs a command with {@code input} on its standard input, as {@code … | docker secret create NAME -}. */
    Result run(byte[] input, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("DOCKER_HOST", dockerHost);
        builder.environment().put("DOCKER_CONFIG", configDir.toString());
        builder.environment().remove("DOCKER_CONTEXT");
        builder.environment().remove("DOCKER_TLS_VERIFY");
        Process process = builder.start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(input);
        }
        // Drain stderr beside stdout so a chatty command cannot block on a full pipe.
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("docker " + String.join(" ", args) + " did not finish in 60 s");
        }
        return new Result(process.exitValue(), out, err.join());
    }
}
