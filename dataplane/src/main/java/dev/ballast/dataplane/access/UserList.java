package dev.ballast.dataplane.access;

import dev.ballast.schema.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A list of users as Docker Flow takes them ({@code USERS}, the {@code dfp_users} and {@code dfp_users_NAME}
 * secrets): {@code name:password} entries separated by commas or new lines, blank entries skipped, the passwords in
 * clear or, when {@code hashed}, SHA-512 crypt hashes. Unlike Docker Flow, which skipped a bad entry, a list with a
 * bad entry is refused whole; its message names the source and the entry's number, never a password.
 */
final class UserList {

    private UserList() {
    }

    /** A list that cannot be used; the message is safe to log. */
    static final class InvalidException extends Exception {
        InvalidException(String message) {
            super(message);
        }
    }

    /**
     * The users of {@code text}.
     *
     * @param source what the text is, for messages: {@code USERS} or a file
     * @throws InvalidException naming the first bad entry
     */
    static List<Rule.User> parse(String text, boolean hashed, String source) throws InvalidException {
        List<Rule.User> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int number = 0;
        for (String raw : text.split("[,\\n]")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            number++;
            String at = source + " entry " + number;
            int colon = entry.indexOf(':');
            if (colon < 0) {
                // the entry is not shown: it may be a password with its separator mistyped
                throw new InvalidException(at + ": expected name:password");
            }
            String name = entry.substring(0, colon).strip();
            String password = entry.substring(colon + 1).strip();
            if (name.isEmpty()) {
                throw new InvalidException(at + ": the user name is empty (expected name:password)");
            }
            if (password.isEmpty()) {
                throw new InvalidException(at + ": user \"" + name + "\" has an empty password");
            }
            if (hashed && !Sha512Crypt.isHash(password)) {
                throw new InvalidException(at + ": the password of user \"" + name + "\" is not a SHA-512 crypt "
                        + "hash ($6$salt$hash, as made by mkpasswd -m sha-512), and the passwords are said to be");
            }
            if (!names.add(name)) {
                throw new InvalidException(at + ": user \"" + name + "\" appears twice");
            }
            out.add(hashed ? new Rule.User(name, null, password) : new Rule.User(name, password, null));
        }
        if (out.isEmpty()) {
            throw new InvalidException(source + ": names no users");
        }
        return List.copyOf(out);
    }
}
