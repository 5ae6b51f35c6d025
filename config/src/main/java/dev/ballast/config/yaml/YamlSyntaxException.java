package dev.ballast.config.yaml;

/** The text is not well-formed YAML; {@link #line()} is where the parser gave up. */
public final class YamlSyntaxException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int line;

    public YamlSyntaxException(int line, String message, Throwable cause) {
        super(message, cause);
        this.line = line;
    }

    /** 1-based line, or 0 when the parser did not say. */
    public int line() {
        return line;
    }
}
