package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.exchange.ChunkedScanner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * What {@link ResponseFramingProperties} feeds the two readers: a connection's worth of upstream responses, each
 * with the method of the request it answers (HEAD or GET), interim (1xx) heads before it, its framing (a length,
 * chunked with extensions and trailers, or to the close) and header lines as servers write them; and at most one
 * hostile change to one of them (a {@link Mutation}), which declares what each reader must make of it.
 */
final class UpstreamResponseStreams {

    private UpstreamResponseStreams() {
    }

    /** How a response's body is delimited. */
    enum Kind { LENGTH, CHUNKED, CLOSE }

    /** What the two readers must make of a stream, up to and including the changed response. */
    enum Outcome {
        /** Both read every response, and frame each the same. */
        SAME,
        /** Both refuse the changed response, after framing those before it the same. */
        BOTH_REFUSE,
        /** Ours refuses the changed response, which Netty reads: a declared difference, for the reason given. */
        OURS_REFUSES
    }

    /** What a response must be for a change to apply to it. */
    enum Shape { ANY, LENGTH, CHUNKED, CHUNKED_BODY, LAST_UNTIL_CLOSE }

    private static final String NO_FRAMING_WITHOUT_BODY = "Netty looks at no Transfer-Encoding of a response that"
            + " has no body (HEAD, 204, 304); the reader refuses ambiguous framing headers on any response";

    /** One hostile change, the responses it applies to, and the outcome it must have. */
    enum Mutation {
        NONE(Shape.ANY, Outcome.SAME, null),
        /** The same Content-Length line twice: RFC 9110 §8.6 lets a recipient read it as one (and forward it once). */
        REPEATED_LENGTH(Shape.LENGTH, Outcome.SAME, null),
        LENGTH_LIST(Shape.LENGTH, Outcome.OURS_REFUSES, "a Content-Length list (\"n, n\"): RFC 9110 §8.6 lets a"
                + " recipient refuse it, and the reader forwards lines as they came"),
        DIFFERING_LENGTHS(Shape.LENGTH, Outcome.BOTH_REFUSE, null),
        LENGTH_NOT_A_NUMBER(Shape.LENGTH, Outcome.BOTH_REFUSE, null),
        LENGTH_AND_CHUNKED(Shape.CHUNKED, Outcome.BOTH_REFUSE, NO_FRAMING_WITHOUT_BODY),
        CHUNKED_IN_HTTP10(Shape.CHUNKED, Outcome.BOTH_REFUSE, NO_FRAMING_WITHOUT_BODY),
        CHUNKED_NOT_LAST(Shape.CHUNKED, Outcome.BOTH_REFUSE, NO_FRAMING_WITHOUT_BODY),
        CHUNKED_TWICE(Shape.CHUNKED, Outcome.BOTH_REFUSE, NO_FRAMING_WITHOUT_BODY),
        /** A transfer coding without chunked: the body ends with the close (RFC 9112 §6.3). */
        CODING_WITHOUT_CHUNKED(Shape.LAST_UNTIL_CLOSE, Outcome.SAME, null),
        SPACE_BEFORE_COLON(Shape.ANY, Outcome.OURS_REFUSES, "whitespace between a field name and its colon: Netty"
                + " drops it, the reader would forward it (RFC 9112 §5.1: a proxy must not)"),
        OBSOLETE_FOLDING(Shape.ANY, Outcome.OURS_REFUSES, "obsolete line folding: Netty joins the lines, the reader"
                + " forwards lines as they came"),
        CONTROL_IN_VALUE(Shape.ANY, Outcome.BOTH_REFUSE, null),
        CONTROL_IN_REASON(Shape.ANY, Outcome.OURS_REFUSES, "a control character (not CR) in the reason phrase:"
                + " Netty ignores it, the reader would forward it (RFC 9112 §4 allows none)"),
        CR_IN_REASON(Shape.ANY, Outcome.BOTH_REFUSE, null),
        CR_ENDING_STATUS_LINE(Shape.ANY, Outcome.BOTH_REFUSE, null),
        NAME_NOT_A_TOKEN(Shape.ANY, Outcome.BOTH_REFUSE, null),
        BARE_LF_IN_HEAD(Shape.ANY, Outcome.BOTH_REFUSE, null),
        EMPTY_LINE_FIRST(Shape.ANY, Outcome.OURS_REFUSES, "an empty line before a status line: Netty skips it,"
                + " which RFC 9112 §2.2 allows a server reading requests, not a client reading responses"),
        SIZE_BARE_LF(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        SIZE_LEADING_BLANK(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        SIZE_TRAILING_BLANK(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        SIZE_HEX_PREFIX(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        SIZE_NOT_HEX(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        SIZE_MISSING(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        SIZE_LEADING_ZEROS(Shape.CHUNKED_BODY, Outcome.SAME, null),
        SIZE_TOO_LARGE(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        EXTENSION_CONTROL(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        EXTENSION_INVALID(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        EXTENSION_LOOSE(Shape.CHUNKED_BODY, Outcome.OURS_REFUSES, "a chunk extension outside RFC 9112 §7.1.1's"
                + " grammar that Netty lets by: the reader forwards extensions as they came, so only valid ones"),
        /** A size line one byte short of both readers' bound (Netty's is exact only when the LF comes in the read). */
        EXTENSION_NEAR_LIMIT(Shape.CHUNKED_BODY, Outcome.SAME, null),
        EXTENSION_OVER_LIMIT(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        DATA_BARE_LF(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        DATA_OVERRUN(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        TRAILER_BARE_LF(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        TRAILER_WITHOUT_COLON(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        TRAILER_FOLDED(Shape.CHUNKED_BODY, Outcome.OURS_REFUSES, "obsolete line folding in the trailer section:"
                + " Netty joins the lines, the reader forwards them as they came"),
        TRAILER_CONTROL(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null),
        END_BARE_LF(Shape.CHUNKED_BODY, Outcome.BOTH_REFUSE, null);

        final Shape shape;
        private final Outcome outcome;
        private final String why;

        Mutation(Shape shape, Outcome outcome, String why) {
            this.shape = shape;
            this.outcome = outcome;
            this.why = why;
        }

        /**
         * The outcome on {@code response}: Netty minds no transfer coding where no body follows, and in HTTP/1.0 reads
         * only the first of several Content-Length lines (so a list there is no number, and differing ones pass).
         */
        Outcome outcome(Response response) {
            boolean http10 = response.head().http10();
            if (shape == Shape.CHUNKED && response.bodyless() || this == DIFFERING_LENGTHS && http10) {
                return Outcome.OURS_REFUSES;
            }
            return this == LENGTH_LIST && http10 ? Outcome.BOTH_REFUSE : outcome;
        }

        /** Why ours refuses what Netty reads, for an {@link Outcome#OURS_REFUSES}. */
        String why(Response response) {
            return this == DIFFERING_LENGTHS ? "differing Content-Lengths in HTTP/1.0: Netty frames by the first one,"
                    + " the reader refuses what another reader could frame by another" : why;
        }
    }

    /** A response's status line and header lines, and the method of the request it answers. */
    record Head(boolean headRequest, List<Integer> interims, int status, boolean http10, String statusRest,
                List<String> others, int framingAt) {
    }

    /** How its body is delimited, how the framing headers are written, and its data. */
    record Frame(Kind kind, String lengthName, String lengthFormat, String transferEncoding, String data) {
    }

    /** How a chunked body is cut, its size lines written, and its trailers. */
    record Chunking(List<Integer> sizes, List<String> extensions, String sizeFormat, String lastExtension,
                    List<String> trailers) {
    }

    record Response(Head head, Frame frame, Chunking chunking) {
        /** No body follows its head: an answer to HEAD, a 204 or a 304. */
        boolean bodyless() {
            return head.headRequest() || head.status() == 204 || head.status() == 304;
        }

        Response with(Head h, Frame f) {
            return new Response(h, f, chunking);
        }
    }

    /**
     * A connection's responses, the change made to the one at {@code variant % size} (to the last for a change that
     * needs a body delimited by the close), where to cut the bytes into reads (besides between responses, which come
     * only once their request is written), whether to feed them one by one, where to stop them before the close
     * ({@code -1}: nowhere), and after which response the next one comes unasked, in the same read ({@code -1}: none).
     * Only a stream without a change is stopped early or sent unasked, never both.
     */
    record Stream(List<Response> responses, Mutation mutation, int variant, List<Integer> cuts, boolean byteByByte,
                  int truncate, int unasked) {

        /** Where the stream stops before the close, or -1. */
        int truncateAt(int length) {
            return mutation == Mutation.NONE && truncate >= 0 ? truncate % (length + 1) : -1;
        }

        /** The response the next one comes behind in the same read, unasked, or -1. */
        int unaskedAfter() {
            return mutation == Mutation.NONE && truncate < 0 && unasked >= 0 && responses.size() > 1
                    ? unasked % (responses.size() - 1) : -1;
        }

        int target() {
            return mutation.shape == Shape.LAST_UNTIL_CLOSE ? responses.size() - 1 : variant % responses.size();
        }

        /** The responses as sent: each made sound for its place, the target reshaped for its change. */
        List<Response> sent() {
            List<Response> sent = new ArrayList<>();
            for (int i = 0; i < responses.size(); i++) {
                Response r = sound(responses.get(i), i == responses.size() - 1);
                sent.add(i == target() ? shaped(r, mutation) : r);
            }
            return sent;
        }

        byte[] bytes() {
            return String.join("", rendered()).getBytes(StandardCharsets.ISO_8859_1);
        }

        /** Where each response (its interim heads, head and body) ends in the bytes. */
        List<Integer> ends() {
            List<Integer> ends = new ArrayList<>();
            int at = 0;
            for (String response : rendered()) {
                ends.add(at += response.length());
            }
            return ends;
        }

        private List<String> rendered() {
            List<String> rendered = new ArrayList<>();
            List<Response> sent = sent();
            for (int i = 0; i < sent.size(); i++) {
                rendered.add(render(sent.get(i), i == target() ? mutation : Mutation.NONE, variant));
            }
            return rendered;
        }

        Outcome expected() {
            return mutation.outcome(sent().get(target()));
        }

        /** Why ours refuses what Netty reads, when it is expected to. */
        String why() {
            return mutation.why(sent().get(target()));
        }
    }

    // ------------------------------------------------------------------------------------------------ generation

    static Arbitrary<Stream> streams() {
        Arbitrary<Head> heads = Combinators.combine(
                Arbitraries.of(false, false, true),
                Arbitraries.of(100, 102, 103).list().ofMaxSize(2),
                Arbitraries.of(200, 200, 201, 204, 206, 304, 404, 500),
                Arbitraries.of(false, false, false, true),
                Arbitraries.of(" OK", " Not Quite Fine", " ", ""),
                Arbitraries.of("Content-Type: text/plain", "X-Empty:", "Set-Cookie: a=b; Path=/", "Connection: close",
                        "Connection: keep-alive", "X-Tab:\ta\tb", "X-Latin: caf\u00e9", "Server:nginx",
                        "Link: </a>; rel=preload", "Trailer: X-Trailer").list().ofMaxSize(3),
                Arbitraries.integers().between(0, 3)).as(Head::new);
        Arbitrary<String> data = Arbitraries.of("a", "b", "\r", "\n", "\r\n", "0", ";", ":", "0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").list().ofMaxSize(12).map(p -> String.join("", p));
        Arbitrary<Frame> frames = Combinators.combine(
                Arbitraries.of(Kind.class),
                Arbitraries.of("Content-Length", "content-length", "CONTENT-LENGTH"),
                Arbitraries.of("%d", " %d", "%d\t", "00%d"),
                Arbitraries.of("Transfer-Encoding: chunked", "transfer-encoding: Chunked",
                        "Transfer-Encoding:\tCHUNKED ", "Transfer-Encoding: gzip, chunked",
                        "Transfer-Encoding: chunked,", "Transfer-Encoding: , chunked",
                        "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked"),
                data).as(Frame::new);
        String[] extensions = {"", "", ";a", ";a=b", " ;name=\"v\\\"x\"", ";a=1;b", "\t;x=\"\"", "; a = b",
            ";a=\"x;y\""};
        Arbitrary<Chunking> chunkings = Combinators.combine(
                Arbitraries.integers().between(1, 20).list().ofMinSize(1).ofMaxSize(4),
                Arbitraries.of(extensions).list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.of("%x", "%X", "0%x", "000%X"),
                Arbitraries.of(extensions),
                Arbitraries.of("X-Trailer: t", "checksum:abc", "T: a b\t", "Content-Length: 5").list().ofMaxSize(2))
                .as(Chunking::new);
        Arbitrary<Response> responses = Combinators.combine(heads, frames, chunkings).as(Response::new);
        return Combinators.combine(
                responses.list().ofMinSize(1).ofMaxSize(4),
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(Mutation.NONE)),
                        Tuple.of(3, Arbitraries.of(Mutation.class))),
                Arbitraries.integers().between(0, 10_000),
                Arbitraries.integers().between(0, 100_000).list().ofMaxSize(6),
                Arbitraries.of(false, false, false, false, false, false, false, false, false, true),
                Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.just(-1),
                        Arbitraries.integers().between(0, 100_000)),
                Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.just(-1), Arbitraries.integers().between(0, 10)))
                .as(Stream::new);
    }

    /** A response valid where it stands: a body to the close only last, no chunked in HTTP/1.0. */
    private static Response sound(Response r, boolean last) {
        Frame f = r.frame();
        if (f.kind() == Kind.CLOSE && !last && !r.bodyless() || f.kind() == Kind.CHUNKED && r.head().http10()) {
            f = new Frame(Kind.LENGTH, f.lengthName(), f.lengthFormat(), f.transferEncoding(), f.data());
        }
        return r.with(r.head(), f);
    }

    /** {@code r} made what {@code m} applies to. */
    private static Response shaped(Response r, Mutation m) {
        Head h = r.head();
        Frame f = r.frame();
        Kind kind = switch (m.shape) {
            case ANY -> f.kind();
            case LENGTH -> Kind.LENGTH;
            case CHUNKED, CHUNKED_BODY -> Kind.CHUNKED;
            case LAST_UNTIL_CLOSE -> Kind.CLOSE;
        };
        // HTTP/1.0 has no transfer codings: only the change that is about that puts one in an HTTP/1.0 response
        boolean codings = kind == Kind.CHUNKED || m.shape == Shape.LAST_UNTIL_CLOSE;
        boolean http10 = m == Mutation.CHUNKED_IN_HTTP10 || h.http10() && !codings;
        if (m.shape == Shape.CHUNKED_BODY) {
            h = new Head(false, h.interims(), h.status() == 204 || h.status() == 304 ? 200 : h.status(), false,
                    h.statusRest(), h.others(), h.framingAt());
        }
        String data = m.shape == Shape.CHUNKED_BODY && f.data().isEmpty() ? "abc" : f.data();
        return r.with(new Head(h.headRequest(), h.interims(), h.status(), http10, h.statusRest(), h.others(),
                h.framingAt()), new Frame(kind, f.lengthName(), f.lengthFormat(), f.transferEncoding(), data));
    }

    // ------------------------------------------------------------------------------------------------ rendering

    /** The bytes of {@code r} (its interim heads, head and body) with {@code m} made to it. */
    static String render(Response r, Mutation m, int v) {
        StringBuilder out = new StringBuilder(m == Mutation.EMPTY_LINE_FIRST ? "\r\n" : "");
        for (int interim : r.head().interims()) {
            out.append("HTTP/1.1 ").append(interim).append(" Interim\r\nLink: </a>; rel=preload\r\n\r\n");
        }
        String body = r.bodyless() ? "" : r.frame().kind() == Kind.CHUNKED ? chunked(r, m, v) : r.frame().data();
        List<String> lines = new ArrayList<>();
        String statusLine = (r.head().http10() ? "HTTP/1.0 " : "HTTP/1.1 ") + r.head().status()
                + (m == Mutation.CONTROL_IN_REASON ? " O\u0001K" : m == Mutation.CR_IN_REASON ? " O\rK"
                : r.head().statusRest());
        lines.add(m == Mutation.CR_ENDING_STATUS_LINE ? statusLine + "\r" : statusLine);
        List<String> headers = new ArrayList<>(r.head().others());
        headers.addAll(Math.min(r.head().framingAt(), headers.size()), framing(r, m, v, body.length()));
        String extra = switch (m) {
            case SPACE_BEFORE_COLON -> pick(v, "X-Spaced : v", "Content-Type\t: text/plain");
            case OBSOLETE_FOLDING -> "X-Folded: a\r\n b";
            case CONTROL_IN_VALUE -> pick(v, "X-Control: a\u0001b", "X-Control: a\rb", "X-Control: a\u007fb",
                    "X-Control: a\u0000b");
            case NAME_NOT_A_TOKEN -> pick(v, "X(y): 1", "X\"y: 1", "X@y: 1", "X/y: 1");
            default -> null;
        };
        if (extra != null) {
            headers.add(v % (headers.size() + 1), extra);
        }
        lines.addAll(headers);
        lines.add("");
        int bareLf = m == Mutation.BARE_LF_IN_HEAD ? v % lines.size() : -1;
        for (int i = 0; i < lines.size(); i++) {
            out.append(lines.get(i)).append(i == bareLf ? "\n" : "\r\n");
        }
        return out.append(body).toString();
    }

    /** The framing header lines of {@code r}, with {@code m} made to them. */
    private static List<String> framing(Response r, Mutation m, int v, int bodyLength) {
        Frame f = r.frame();
        List<String> lines = new ArrayList<>();
        switch (f.kind()) {
            case LENGTH -> {
                int n = f.data().length();
                String value = switch (m) {
                    case LENGTH_LIST -> n + ", " + n;
                    case LENGTH_NOT_A_NUMBER -> pick(v, "+" + n, n + ";", "0x" + n, "-1", "", n + " " + n, n + "a");
                    default -> String.format(f.lengthFormat(), n);
                };
                lines.add(f.lengthName() + ": " + value);
                if (m == Mutation.REPEATED_LENGTH) {
                    lines.add("Content-Length: " + value);
                } else if (m == Mutation.DIFFERING_LENGTHS) { // another number, or the same one written otherwise
                    // HTTP/1.0's is last: Netty frames by the first, and is to read the response, which ours refuses
                    int at = r.head().http10() ? 1 : v % 2;
                    lines.add(at, "Content-Length: " + pick(v, n + 1 + "", "0" + n));
                }
            }
            case CHUNKED -> {
                switch (m) {
                    case CHUNKED_NOT_LAST -> lines.add(pick(v, "Transfer-Encoding: chunked, gzip",
                            "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip"));
                    case CHUNKED_TWICE -> lines.add(pick(v, "Transfer-Encoding: chunked, chunked",
                            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"));
                    default -> lines.add(f.transferEncoding());
                }
                if (m == Mutation.LENGTH_AND_CHUNKED) {
                    lines.add(v % 2, "Content-Length: " + bodyLength);
                }
            }
            case CLOSE -> {
                if (m == Mutation.CODING_WITHOUT_CHUNKED) {
                    lines.add(pick(v, "Transfer-Encoding: gzip", "Transfer-Encoding: xchunked"));
                }
            }
        }
        return lines;
    }

    /** The chunked body of {@code r}, with {@code m} made to it. */
    private static String chunked(Response r, Mutation m, int v) {
        Chunking c = r.chunking();
        List<String> pieces = new ArrayList<>();
        String data = r.frame().data();
        for (int at = 0, i = 0; at < data.length(); i++) {
            int n = Math.min(c.sizes().get(i % c.sizes().size()), data.length() - at);
            pieces.add(data.substring(at, at + n));
            at += n;
        }
        int sizeLine = v % (pieces.size() + 1); // the last chunk's line is the one past the pieces
        int dataEnd = pieces.isEmpty() ? -1 : v % pieces.size();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i <= pieces.size(); i++) {
            boolean last = i == pieces.size();
            String size = String.format(c.sizeFormat(), last ? 0 : pieces.get(i).length());
            String extension = last ? c.lastExtension() : c.extensions().get(i % c.extensions().size());
            out.append(i == sizeLine ? sizeLine(size, extension, m, v) : size + extension);
            out.append(i == sizeLine && m == Mutation.SIZE_BARE_LF ? "\n" : "\r\n");
            if (!last) {
                out.append(pieces.get(i)).append(i != dataEnd ? "\r\n" : m == Mutation.DATA_BARE_LF ? "\n"
                        : m == Mutation.DATA_OVERRUN ? "x\r\n" : "\r\n");
            }
        }
        List<String> trailers = new ArrayList<>(c.trailers());
        switch (m) {
            case TRAILER_BARE_LF -> trailers.add("X-Bare: lf\n");
            case TRAILER_WITHOUT_COLON -> trailers.add("Broken");
            case TRAILER_FOLDED -> trailers.add("X-Folded: a\r\n b");
            case TRAILER_CONTROL -> trailers.add(pick(v, "X-Control: a\u0001b", "X-Control: a\rb"));
            default -> {
            }
        }
        for (String trailer : trailers) {
            out.append(trailer.endsWith("\n") ? trailer : trailer + "\r\n");
        }
        return out.append(m == Mutation.END_BARE_LF ? "\n" : "\r\n").toString();
    }

    /** A chunk size line (without its line end) with {@code m} made to it. */
    private static String sizeLine(String size, String extension, Mutation m, int v) {
        int max = ChunkedScanner.MAX_SIZE_LINE;
        return switch (m) {
            case SIZE_LEADING_BLANK -> " " + size + extension;
            case SIZE_TRAILING_BLANK -> size + " ";
            case SIZE_HEX_PREFIX -> "0x" + size + extension;
            case SIZE_NOT_HEX -> size + "g" + extension;
            case SIZE_MISSING -> extension;
            case SIZE_LEADING_ZEROS -> "0".repeat(20) + size + extension;
            case SIZE_TOO_LARGE -> "1" + "0".repeat(15) + extension;
            case EXTENSION_CONTROL -> size + pick(v, ";a=\u0001", ";a\rb", ";a=\"\u0000\"");
            case EXTENSION_INVALID -> size + pick(v, ";=", ";a@b", ";a=b c", ";a=\"open", ";a=,", ";a=b\t");
            case EXTENSION_LOOSE -> size + pick(v, ";", ";;", ";a b", ";a ");
            case EXTENSION_NEAR_LIMIT -> size + ";x=" + "v".repeat(max - 1 - size.length() - 3);
            case EXTENSION_OVER_LIMIT -> size + ";x=" + "v".repeat(max + 1 - size.length() - 3);
            default -> size + extension;
        };
    }

    private static String pick(int v, String... choices) {
        return choices[v / 7 % choices.length];
    }
}
