package dev.ballast.schema.labels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where {@code com.df.usersSecret} looks up {@code dfp_users_<name>}; Docker mounts secrets under /run/secrets. */
@FunctionalInterface
public interface SecretSource {

    /** The secret's content, or empty when there is no such secret. */
    Optional<String> read(String name) throws IOException;

    /** Secrets as files in {@code directory}. */
    static SecretSource directory(Path directory) {
        return name -> {
            Path file = directory.resolve(name);
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file)) : Optional.empty();
        };
    }

    /** No secrets at all. */
    static SecretSource none() {
        return name -> Optional.empty();
    }
}
