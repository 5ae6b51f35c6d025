package dev.ballast.schema;

import java.util.Objects;

/**
 * An ACME HTTP-01 challenge every replica answers: {@code GET /.well-known/acme-challenge/TOKEN} on its plain
 * listeners gets {@code keyAuthorization}. Not secret: the CA fetches it over plain HTTP from anyone's view.
 *
 * @param token the challenge's token (base64url, the last path segment)
 * @param keyAuthorization the answer: the token and the ACME account key's thumbprint
 */
public record AcmeChallenge(String token, String keyAuthorization) {

    public AcmeChallenge {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(keyAuthorization, "keyAuthorization");
    }
}
