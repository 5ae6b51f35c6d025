package dev.ballast.dataplane.access;

import dev.ballast.schema.Rule;
import java.util.List;

/**
 * Who a rule lets in, as the replica resolved it: the rule's own users (passwords filled in from its
 * {@code usersSecret} or the global users), the replica's global users, or nobody needs to authenticate. Resolved
 * when a snapshot is applied, never on a request. Never printed with its passwords.
 *
 * @param required whether the rule asks for basic authentication
 * @param realm the realm of the challenge (when required)
 * @param users who may pass; empty while required means nobody can (a secret that could not be read: fail closed)
 */
public record Credentials(boolean required, String realm, List<Rule.User> users) {

    /** No authentication. */
    public static final Credentials NONE = new Credentials(false, null, List.of());

    public Credentials {
        users = List.copyOf(users);
    }

    /** Users in {@code realm}; none of them means nobody gets in. */
    public static Credentials of(String realm, List<Rule.User> users) {
        return new Credentials(true, realm, users);
    }

    @Override
    public String toString() {
        return required ? "Credentials[realm=" + realm + ", " + users.size() + " user(s)]" : "Credentials[none]";
    }
}
