package dev.ballast.certificates;

/** PEM text that cannot be served; the message says why, in words an operator can act on. */
public final class InvalidCertificateException extends Exception {

    public InvalidCertificateException(String reason) {
        super(reason);
    }

    public InvalidCertificateException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
