package dev.ballast.dataplane.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The answers a client read on an HTTP/1.1 connection, parsed strictly: a status line, header lines, a blank line,
 * then as many body bytes as {@code Content-Length} says (none for an answer to HEAD, a 1xx, 204 or 304), CRLF line
 * ends throughout, nothing left over. Anything else is an answer a client could misread, and fails the parse. After a
 * 101 the connection speaks another protocol: the bytes that follow are not parsed.
 *
 * @param finals the final answers, in order
 * @param switched whether a 101 switched protocols (the answers after it are not HTTP/1.1)
 */
record ProxyAnswers(List<Answer> finals, boolean switched) {

    /**
     * A final answer.
     *
     * @param connection the {@code Connection} header's value, lower case, or empty
     */
    record Answer(int status, String connection, String body) {

        boolean closes() {
            return connection.contains("close");
        }
    }

    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] ([1-5][0-9]{2}) [^\r\n]*");
    private static final Pattern HEADER_LINE = Pattern.compile("([!#$%&'*+.^_`|~0-9A-Za-z-]+): ?([^\r\n]*)");

    /**
     * @param headRequests for each request in order, whether it was a HEAD (its answer has no body); answers beyond
     *     these are answers to requests nobody sent, and fail the parse
     */
    static ProxyAnswers parse(byte[] bytes, List<Boolean> headRequests) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        List<Answer> finals = new ArrayList<>();
        Iterator<Boolean> heads = headRequests.iterator();
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf("\r\n\r\n", at);
            if (end < 0) {
                throw new AssertionError("an answer head without its end: " + abbreviated(text.substring(at)));
            }
            String[] lines = text.substring(at, end).split("\r\n", -1);
            Matcher status = STATUS_LINE.matcher(lines[0]);
            if (!status.matches()) {
                throw new AssertionError("not a status line: " + abbreviated(lines[0]));
            }
            int code = Integer.parseInt(status.group(1));
            long length = -1;
            String connection = "";
            for (int i = 1; i < lines.length; i++) {
                Matcher header = HEADER_LINE.matcher(lines[i]);
                if (!header.matches()) {
                    throw new AssertionError("not a header line: " + abbreviated(lines[i]));
                }
                String name = header.group(1).toLowerCase(Locale.ROOT);
                if (name.equals("content-length")) {
                    if (length >= 0 || !header.group(2).matches("[0-9]{1,9}")) {
                        throw new AssertionError("a second or malformed Content-Length: " + lines[i]);
                    }
                    length = Long.parseLong(header.group(2));
                } else if (name.equals("transfer-encoding")) {
                    throw new AssertionError("the proxy's own answers have a length: " + lines[i]);
                } else if (name.equals("connection")) {
                    connection = header.group(2).toLowerCase(Locale.ROOT);
                }
            }
            at = end + 4;
            if (code == 101) {
                return new ProxyAnswers(finals, true);
            }
            if (code < 200) {
                continue; // interim: the final answer follows
            }
            if (!heads.hasNext()) {
                throw new AssertionError("an answer (" + code + ") to no request");
            }
            boolean bodiless = heads.next() || code == 204 || code == 304;
            if (length < 0 && !bodiless) {
                throw new AssertionError("an answer (" + code + ") without Content-Length");
            }
            int bodyLength = bodiless ? 0 : (int) length;
            if (text.length() - at < bodyLength) {
                throw new AssertionError("an answer (" + code + ") shorter than its Content-Length");
            }
            finals.add(new Answer(code, connection, text.substring(at, at + bodyLength)));
            at += bodyLength;
        }
        return new ProxyAnswers(finals, false);
    }

    private static String abbreviated(String text) {
        String shown = text.length() > 80 ? text.substring(0, 80) + "…" : text;
        return "\"" + shown.replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }
}
