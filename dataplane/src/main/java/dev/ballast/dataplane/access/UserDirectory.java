package dev.ballast.dataplane.access;

import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import dev.ballast.schema.Snapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a replica's basic-auth users come from, as in Docker Flow: the global users ({@code USERS}, or the secret
 * {@code dfp_users}, which wins) and the {@code dfp_users_NAME} secrets that rules name in {@code auth.usersSecret}.
 * Both are read here, by the replica, so that no secret's password ever travels in a snapshot.
 *
 * <p>Which users guard a rule:
 * <ul>
 *   <li>a rule without {@code auth}: the global users, when there are any (Docker Flow: "applies to all the backend
 *       routes"); otherwise none;</li>
 *   <li>{@code auth.disabled} ({@code com.df.ignoreAuthorization}): none, not even the global users;</li>
 *   <li>{@code auth.users}: those users; one without a password takes it from the rule's secret when it names one,
 *       else from the global users (matched by name, ignoring case, as Docker Flow did); the global users do not
 *       guard the rule as well (Docker Flow stacked both checks, so a user had to be in both lists);</li>
 *   <li>{@code auth.usersSecret} without users: everyone in the secret.</li>
 * </ul>
 * Anything that cannot be resolved fails closed: a secret that is missing, unreadable or invalid, or a rule left with
 * no user who has a password, makes the rule answer 401 to everyone, and is logged once per snapshot applied.
 *
 * <p>Secret files are read again for each snapshot applied (each file once per snapshot), on the thread that applies
 * it (the puller's, or the one starting the replica), never on an event loop. A changed secret therefore takes effect
 * with the next snapshot; Docker never changes a mounted secret in place anyway (a new secret means a new task).
 * Immutable and thread-safe.
 */
public final class UserDirectory {

    private static final Logger log = LoggerFactory.getLogger(UserDirectory.class);
    /** The secret of the global users. */
    public static final String GLOBAL_SECRET = "dfp_users";
    /** The prefix of {@code usersSecret} files. */
    public static final String SECRET_PREFIX = "dfp_users_";
    /** What a secret name may be (as the Route schema says): nothing that could leave the secrets directory. */
    private static final Pattern SECRET_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** A users file is a few lines; anything larger is not one. */
    private static final long MAX_FILE_SIZE = 1 << 20;

    /** No global users, no secrets: rules with their own passwords only. */
    public static final UserDirectory NONE = new UserDirectory(null, List.of(), "");

    private final Path secretsDir;
    private final List<Rule.User> global;
    private final String globalSource;

    private UserDirectory(Path secretsDir, List<Rule.User> global, String globalSource) {
        this.secretsDir = secretsDir == null ? null : secretsDir.toAbsolutePath().normalize();
        this.global = List.copyOf(global);
        this.globalSource = globalSource;
    }

    /** The global users could not be read: the replica does not start (nothing would be protected as asked). */
    public static final class InvalidUsersException extends RuntimeException {
        InvalidUsersException(String message) {
            super(message);
        }
    }

    /**
     * Reads the global users: {@code <secretsDir>/dfp_users} when that file exists, else {@code users} (the
     * {@code USERS} setting); none when neither is there.
     *
     * @param hashed whether their passwords are SHA-512 crypt hashes ({@code USERS_PASS_ENCRYPTED})
     * @throws InvalidUsersException naming the source and the bad entry's number, never a password
     */
    public static UserDirectory load(Path secretsDir, Optional<String> users, boolean hashed) {
        Path file = secretsDir.resolve(GLOBAL_SECRET);
        try {
            if (Files.isRegularFile(file)) {
                return new UserDirectory(secretsDir, UserList.parse(read(file), hashed, file.toString()),
                        file.toString());
            }
            if (users.isPresent() && !users.get().isBlank()) {
                return new UserDirectory(secretsDir, UserList.parse(users.get(), hashed, "USERS"), "USERS");
            }
            return new UserDirectory(secretsDir, List.of(), "");
        } catch (UserList.InvalidException e) {
            throw new InvalidUsersException("the global users are unusable: " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidUsersException("the global users are unusable: cannot read " + file + ": "
                    + e.getMessage());
        }
    }

    /** Whether there are global users, guarding every rule without auth of its own. */
    public boolean hasGlobalUsers() {
        return !global.isEmpty();
    }

    /** The credentials of every rule of a snapshot, with what went wrong resolving them. */
    public record Resolved(Map<String, List<Credentials>> byRoute, List<String> problems) {

        public Resolved {
            byRoute = Map.copyOf(byRoute);
            problems = List.copyOf(problems);
        }

        /** The credentials of rule {@code index} of {@code route}; nobody passes for a rule that was not resolved. */
        public Credentials of(Route route, int index) {
            List<Credentials> rules = byRoute.get(route.name());
            return rules != null && index < rules.size() ? rules.get(index) : Credentials.of(route.name(), List.of());
        }
    }

    /**
     * Resolves every rule of {@code snapshot}, reading each secret file it names once, and logs each problem once.
     * Never throws: what cannot be resolved fails closed.
     */
    public Resolved resolve(Snapshot snapshot) {
        Map<String, SecretFile> files = new HashMap<>();
        Map<String, List<Credentials>> byRoute = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Route route : snapshot.routes()) {
            List<Credentials> rules = new ArrayList<>();
            for (int i = 0; i < route.spec().rules().size(); i++) {
                String where = "route " + route.name() + ", rule " + i;
                rules.add(resolve(route, route.spec().rules().get(i), where, files, problems));
            }
            byRoute.put(route.name(), rules);
        }
        if (!problems.isEmpty()) {
            log.warn("snapshot {}: {} rule(s) with basic-auth problems:\n  {}", snapshot.version(), problems.size(),
                    String.join("\n  ", problems));
        }
        return new Resolved(byRoute, problems);
    }

    private Credentials resolve(Route route, Rule rule, String where, Map<String, SecretFile> files,
                                List<String> problems) {
        Rule.Auth auth = rule.auth();
        if (auth == null) {
            return global.isEmpty() ? Credentials.NONE : Credentials.of(route.name(), global);
        }
        if (auth.disabled()) {
            return Credentials.NONE;
        }
        String realm = auth.realm() != null ? auth.realm() : route.name();
        List<Rule.User> fromSecret = null;
        String secretSource = null;
        if (auth.usersSecret() != null) {
            SecretFile secret = files.computeIfAbsent(auth.usersSecret() + (auth.usersSecretHashed() ? "#h" : ""),
                    k -> readSecret(auth.usersSecret(), auth.usersSecretHashed()));
            if (secret.problem() != null) {
                problems.add(where + ": auth.usersSecret \"" + auth.usersSecret() + "\" (com.df.usersSecret): "
                        + secret.problem() + "; the rule answers 401 to everyone");
                return Credentials.of(realm, List.of());
            }
            fromSecret = secret.users();
            secretSource = secret.source();
        }
        if (auth.users().isEmpty()) {
            return Credentials.of(realm, fromSecret == null ? List.of() : fromSecret);
        }
        List<Rule.User> lookIn = fromSecret != null ? fromSecret : global;
        String lookedIn = fromSecret != null ? secretSource
                : global.isEmpty() ? null : "the global users (" + globalSource + ")";
        List<Rule.User> users = new ArrayList<>();
        for (Rule.User user : auth.users()) {
            if (!user.lacksPassword()) {
                users.add(user);
                continue;
            }
            Optional<Rule.User> found = lookIn.stream().filter(u -> u.name().equalsIgnoreCase(user.name())).findFirst();
            if (found.isPresent()) {
                users.add(new Rule.User(user.name(), found.get().password(), found.get().passwordHash()));
            } else {
                problems.add(where + ": user \"" + user.name() + "\" has no password and "
                        + (lookedIn == null ? "the replica has no global users (USERS) to take it from"
                        : "is not in " + lookedIn) + "; that user cannot log in");
            }
        }
        if (users.isEmpty()) {
            problems.add(where + ": no user has a password; the rule answers 401 to everyone");
        }
        return Credentials.of(realm, users);
    }

    /** A {@code usersSecret} file as read for one snapshot: its users, or why there are none. */
    private record SecretFile(String source, List<Rule.User> users, String problem) {
    }

    private SecretFile readSecret(String name, boolean hashed) {
        if (secretsDir == null) {
            return new SecretFile(name, List.of(), "this replica reads no secrets");
        }
        if (!SECRET_NAME.matcher(name).matches()) {
            return new SecretFile(name, List.of(), "not a secret name (letters, digits, _ . - starting with a "
                    + "letter or digit)");
        }
        Path file = secretsDir.resolve(SECRET_PREFIX + name).normalize();
        if (!secretsDir.equals(file.getParent())) {
            return new SecretFile(name, List.of(), "not a file of the secrets directory " + secretsDir);
        }
        try {
            return new SecretFile(file.toString(), UserList.parse(read(file), hashed, file.toString()), null);
        } catch (NoSuchFileException e) {
            return new SecretFile(file.toString(), List.of(), file + " not found");
        } catch (IOException e) {
            return new SecretFile(file.toString(), List.of(), "cannot read " + file + ": " + e.getMessage());
        } catch (UserList.InvalidException e) {
            return new SecretFile(file.toString(), List.of(), e.getMessage());
        }
    }

    private static String read(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_SIZE) {
            throw new IOException("larger than " + MAX_FILE_SIZE + " bytes: not a users file");
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
