package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a rule's paths are compared with the request path. */
public enum PathType {
    /** The request path starts with the path. */
    @JsonProperty("Prefix") PREFIX,
    /** The request path equals the path. */
    @JsonProperty("Exact") EXACT,
    /** The regular expression is found in the request path (anchor it with {@code ^} and {@code $}). */
    @JsonProperty("Regex") REGEX
}
