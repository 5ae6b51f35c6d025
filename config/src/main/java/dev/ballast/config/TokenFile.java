package dev.ballast.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bearer token controller and replicas share ({@code --token-file}, a Docker secret on a swarm): the file's
 * content without surrounding whitespace and trailing newline (what {@code echo} or an editor adds is not part of it).
 * Never logged.
 */
public final class TokenFile {

    private TokenFile() {
    }

    /**
     * @throws IllegalArgumentException naming the file when it cannot be read, is empty, or holds more than one line
     */
    public static String read(Path file) {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("--token-file " + file + ": cannot be read (" + e.getMessage() + ")");
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("--token-file " + file + ": the file is empty");
        }
        if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("--token-file " + file
                    + ": the token must be one word of printable ASCII (e.g. openssl rand -hex 32)");
        }
        return token;
    }
}
