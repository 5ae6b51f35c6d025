package dev.ballast.dataplane.exchange;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which responses the proxy compresses, and with what ({@code COMPRESSION_ALGO}, {@code COMPRESSION_TYPE}), as
 * HAProxy's {@code compression algo/type} did for Docker Flow. Two steps: {@link #negotiate} on the request (a coding
 * the client accepts), {@link #applies} on the response head (a body worth compressing, not compressed yet, that may
 * be transformed). Immutable; shared by every connection. Exists only when compression is on: when it is off the
 * proxy holds none, and nothing of this runs.
 *
 * <p>Not compressed: answers to {@code HEAD}, to HTTP/1.0 clients (the coded body is sent chunked, which they do not
 * read; ending it with the close would cost their keep-alive), to upgrade requests, to requests that say
 * {@code Cache-Control: no-transform}; responses other than 200, 201, 202 and 203 (so no 1xx, 204, 206 or 304, as
 * HAProxy), HTTP/1.0 responses, bodies that end with the upstream's close, bodies with a {@code Content-Length} below
 * {@link #MIN_LENGTH}, responses with a {@code Content-Encoding} or {@code Content-Range}, with
 * {@code Cache-Control: no-transform}, with more than one or an invalid {@code ETag}, and media types not listed.
 */
public final class CompressionPolicy {

    /**
     * Bodies declared shorter are sent as they are: the coding's framing (gzip adds 18 bytes, a chunk's size line more)
     * and the work would gain little. A chunked body's length is not known: it is compressed whatever its size.
     */
    public static final int MIN_LENGTH = 1024;
    /**
     * The deflate level: 1, HAProxy's default ({@code tune.comp.maxlevel}); most of the gain of higher levels at a
     * fraction of their CPU, which a proxy spends on every response it compresses.
     */
    static final int LEVEL = 1;
    /** The media types compressed when {@code COMPRESSION_TYPE} is not set. */
    public static final String DEFAULT_TYPES = "text/*, application/json, application/javascript, application/xml,"
            + " image/svg+xml and any +json or +xml type";

    private final List<ContentCoding> codings;
    /** {@code type/subtype} or {@code type/*}, lower case; empty: the default types. */
    private final List<String> types;

    /**
     * @param codings the codings offered, the proxy's preference first ({@code gzip}, {@code deflate})
     * @param types the media types compressed ({@code type/subtype}, {@code type/*}); empty: {@link #DEFAULT_TYPES}
     */
    public CompressionPolicy(List<String> codings, List<String> types) {
        List<ContentCoding> offered = new ArrayList<>();
        for (String name : codings) {
            ContentCoding coding = ContentCoding.of(name);
            if (!offered.contains(coding)) {
                offered.add(coding);
            }
        }
        if (offered.isEmpty()) {
            throw new IllegalArgumentException("no coding to compress with");
        }
        this.codings = List.copyOf(offered);
        this.types = types.stream().map(t -> t.trim().toLowerCase(Locale.ROOT)).toList();
    }

    public List<ContentCoding> codings() {
        return codings;
    }

    /** The media types compressed, as configured (empty: {@link #DEFAULT_TYPES}). */
    public List<String> types() {
        return types;
    }

    /**
     * The coding to answer {@code request} with if its response lends itself to compression: the proxy's first
     * preference among the codings the client's {@code Accept-Encoding} accepts (listed, or matched by {@code *}, with
     * a q-value above 0); null when it accepts none, has no {@code Accept-Encoding}, or is a request never answered
     * compressed (HEAD, HTTP/1.0, {@code Cache-Control: no-transform}). The caller leaves out upgrade requests.
     */
    public ContentCoding negotiate(HttpRequest request) {
        HttpHeaders headers = request.headers();
        List<String> accepted = headers.getAll(HttpHeaderNames.ACCEPT_ENCODING);
        if (accepted.isEmpty() || HttpMethod.HEAD.equals(request.method())
                || !HttpVersion.HTTP_1_1.equals(request.protocolVersion())
                || noTransform(headers.getAll(HttpHeaderNames.CACHE_CONTROL))) {
            return null;
        }
        for (ContentCoding coding : codings) {
            if (accepts(accepted, coding)) {
                return coding;
            }
        }
        return null;
    }

    /**
     * Whether {@code Accept-Encoding} values accept {@code coding}: its own entry's q-value (or that of {@code *}
     * when it has none) is above 0. An unreadable q-value refuses.
     */
    static boolean accepts(List<String> acceptEncoding, ContentCoding coding) {
        double own = -1;
        double any = -1;
        for (String value : acceptEncoding) {
            for (String element : value.split(",")) {
                int semicolon = element.indexOf(';');
                String name = (semicolon < 0 ? element : element.substring(0, semicolon)).trim();
                if (name.isEmpty()) {
                    continue;
                }
                double q = semicolon < 0 ? 1 : qValue(element.substring(semicolon + 1));
                if (name.equals("*")) {
                    any = Math.max(any, q);
                } else if (isCoding(name, coding)) {
                    own = Math.max(own, q);
                }
            }
        }
        return own >= 0 ? own > 0 : any > 0;
    }

    private static boolean isCoding(String name, ContentCoding coding) {
        return name.equalsIgnoreCase(coding.token()) || coding == ContentCoding.GZIP && name.equalsIgnoreCase("x-gzip");
    }

    /** The q parameter among an element's parameters ({@code q=0.5}); 1 without one, 0 when it is not a number. */
    private static double qValue(String parameters) {
        for (String parameter : parameters.split(";")) {
            int eq = parameter.indexOf('=');
            if (eq > 0 && parameter.substring(0, eq).trim().equalsIgnoreCase("q")) {
                String value = parameter.substring(eq + 1).trim();
                if (!value.matches("[01](\\.\\d{0,3})?")) {
                    return 0;
                }
                return Math.min(1, Double.parseDouble(value));
            }
        }
        return 1;
    }

    /**
     * Whether the response {@code head} (to a request that {@link #negotiate negotiated} a coding) is compressed:
     * 200 to 203, HTTP/1.1, a body framed by a {@code Content-Length} of at least {@link #MIN_LENGTH} or chunked (and
     * no other transfer coding), not encoded already, not a range, transformable, with at most one valid
     * {@code ETag}, of a media type listed.
     */
    public boolean applies(ResponseHead head) {
        int status = head.status();
        if (status < 200 || status > 203 || !head.http11()) {
            return false;
        }
        if (head.chunked()) {
            if (!onlyChunked(head.values(HttpHeaderNames.TRANSFER_ENCODING))) {
                return false;
            }
        } else if (head.contentLength() < MIN_LENGTH) { // -1: delimited by the close
            return false;
        }
        if (!head.values(HttpHeaderNames.CONTENT_ENCODING).isEmpty()
                || !head.values(HttpHeaderNames.CONTENT_RANGE).isEmpty()
                || noTransform(head.values(HttpHeaderNames.CACHE_CONTROL))) {
            return false;
        }
        List<String> etags = head.values(HttpHeaderNames.ETAG);
        if (etags.size() > 1 || etags.size() == 1 && !validEtag(etags.get(0))) {
            return false;
        }
        List<String> contentType = head.values(HttpHeaderNames.CONTENT_TYPE);
        return !contentType.isEmpty() && compressedType(contentType.get(0));
    }

    /** The encoder of one response body in {@code coding}, whose bytes come {@code chunked} or as they are. */
    public BodyEncoder encoder(ContentCoding coding, ByteBufAllocator alloc, boolean chunked) {
        return new BodyEncoder(coding, LEVEL, alloc, chunked);
    }

    /** Whether the media type of a {@code Content-Type} value is among those compressed. */
    boolean compressedType(String contentType) {
        int semicolon = contentType.indexOf(';');
        String media = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim()
                .toLowerCase(Locale.ROOT);
        if (types.isEmpty()) {
            return isDefaultType(media);
        }
        for (String type : types) {
            if (type.endsWith("/*") ? media.startsWith(type.substring(0, type.length() - 1)) : media.equals(type)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isDefaultType(String media) {
        return media.startsWith("text/") || media.equals("application/json") || media.equals("application/javascript")
                || media.equals("application/xml") || media.equals("image/svg+xml")
                || media.endsWith("+json") || media.endsWith("+xml");
    }

    private static boolean onlyChunked(List<String> transferEncodings) {
        for (String value : transferEncodings) {
            for (String coding : value.split(",")) {
                if (!coding.trim().equalsIgnoreCase("chunked")) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean noTransform(List<String> cacheControl) {
        for (String value : cacheControl) {
            for (String directive : value.split(",")) {
                if (directive.trim().equalsIgnoreCase("no-transform")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code "…"} or {@code W/"…"}. */
    private static boolean validEtag(String etag) {
        String tag = etag.startsWith("W/") ? etag.substring(2) : etag;
        return tag.length() >= 2 && tag.charAt(0) == '"' && tag.charAt(tag.length() - 1) == '"'
                && tag.indexOf('"', 1) == tag.length() - 1;
    }
}
