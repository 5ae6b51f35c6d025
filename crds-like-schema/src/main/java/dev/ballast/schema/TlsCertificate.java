package dev.ballast.schema;

import java.util.Objects;

/**
 * A certificate the controller distributes to replicas in snapshots: its name and PEM text (chain and private key).
 * Travels only to replicas that pull with the controller's token; {@link RouteJson#redacted} hides the PEM on every
 * page people read, and {@link #toString()} never shows it.
 *
 * @param name the certificate's name (the file or the name it was pushed under)
 * @param pem the chain, leaf first, and the private key
 */
public record TlsCertificate(String name, String pem) {

    public TlsCertificate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pem, "pem");
    }

    @Override
    public String toString() {
        return "TlsCertificate[" + name + "]";
    }
}
