package dev.ballast.dataplane.access;

/** What to do with a matched request before it goes upstream. */
public sealed interface Access {

    /** Send it upstream. */
    record Proceed() implements Access {
    }

    /** Answer with a redirect. */
    record Redirect(int status, String location) implements Access {
    }

    /** Answer 401 with this {@code WWW-Authenticate} challenge. */
    record Unauthorized(String challenge) implements Access {
    }

    /** Answer 403, saying why. */
    record Forbidden(String reason) implements Access {
    }
}
