package dev.ballast.dataplane.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The operator's pages for the proxy's own error answers ({@code --error-pages DIR}): {@code 404.html} is the body
 * of every 404 the proxy answers itself, served as {@code text/html; charset=utf-8} with the status and headers the
 * built-in answer has. Read once, at start, off the event loops; each page is one read-only buffer that every loop
 * sends duplicates of. Statuses without a page keep the built-in plain-text body; redirects always do.
 *
 * <p>A file that cannot be a page (not named {@code NNN.html}, a status the proxy never answers itself, larger than
 * {@link #MAX_PAGE_BYTES}, unreadable) is left out and reported in {@link #problems}; the others are served. Hidden
 * entries (a name starting with a dot, as a Kubernetes ConfigMap mount has) are passed over silently.
 */
public final class ErrorPages {

    /** No pages: every answer has its built-in body. */
    public static final ErrorPages NONE = new ErrorPages(new ByteBuf[0], List.of());
    /** The error statuses the proxy answers itself, which a page can stand in for. */
    public static final Set<Integer> STATUSES = Set.of(400, 401, 403, 404, 405, 408, 413, 414, 429, 431, 502, 503,
            504);
    /** A page larger than this is left out: an error page is a page, not a download. */
    public static final int MAX_PAGE_BYTES = 1024 * 1024;

    private static final int FIRST = 400;
    private static final Pattern PAGE_NAME = Pattern.compile("(\\d{3})\\.html");

    /** The page of status {@code FIRST + i} at {@code i}, null where there is none. */
    private final ByteBuf[] pages;
    private final List<String> problems;

    private ErrorPages(ByteBuf[] pages, List<String> problems) {
        this.pages = pages;
        this.problems = problems;
    }

    /** The directory refused: missing, not a directory, or not listable. The replica does not start. */
    public static final class DirectoryException extends RuntimeException {
        DirectoryException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Reads the pages in {@code dir}; problems with single files are in {@link #problems} of the result.
     *
     * @throws DirectoryException when {@code dir} is missing, not a directory, or cannot be listed
     */
    public static ErrorPages load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DirectoryException("--error-pages " + dir + ": " + (Files.exists(dir) ? "not a directory"
                    : "no such directory"), null);
        }
        List<Path> entries;
        try (Stream<Path> listed = Files.list(dir)) {
            entries = listed.sorted().toList();
        } catch (IOException | RuntimeException e) {
            throw new DirectoryException("--error-pages " + dir + ": cannot be read (" + e + ")", e);
        }
        ByteBuf[] found = new ByteBuf[600 - FIRST];
        List<String> problems = new ArrayList<>();
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (name.startsWith(".")) {
                continue;
            }
            String problem = read(entry, name, found);
            if (problem != null) {
                problems.add(name + ": " + problem + "; skipped");
            }
        }
        return new ErrorPages(found, List.copyOf(problems));
    }

    /** Reads one entry into {@code found}; what is wrong with it, or null. */
    private static String read(Path entry, String name, ByteBuf[] found) {
        Matcher page = PAGE_NAME.matcher(name);
        if (!page.matches()) {
            return name.endsWith(".http") ? "HAProxy error files (raw HTTP responses) are not read; put the body"
                    + " alone in NNN.html" : "not a page (NNN.html, NNN an error status the proxy answers)";
        }
        int status = Integer.parseInt(page.group(1));
        if (!STATUSES.contains(status)) {
            return status + " is not an error status the proxy answers itself (pages are served for "
                    + String.join(", ", new TreeSet<>(STATUSES).stream().map(String::valueOf).toList()) + ")";
        }
        if (!Files.isRegularFile(entry)) {
            return "not a file";
        }
        byte[] bytes;
        try {
            if (Files.size(entry) > MAX_PAGE_BYTES) {
                return "larger than " + MAX_PAGE_BYTES / 1024 + " KiB";
            }
            bytes = Files.readAllBytes(entry);
        } catch (NoSuchFileException e) {
            return "gone while being read";
        } catch (IOException | RuntimeException e) {
            return "cannot be read (" + e.getMessage() + ")";
        }
        if (bytes.length > MAX_PAGE_BYTES) {
            return "larger than " + MAX_PAGE_BYTES / 1024 + " KiB";
        }
        // A JDK direct buffer, wrapped: outside the pooled allocator, freed with the ErrorPages by the collector
        // (never released: each answer sends a duplicate).
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        found[status - FIRST] = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct).asReadOnly());
        return null;
    }

    /** The page for {@code status}, as a buffer of its own to send (nothing to release), or null when none. */
    ByteBuf page(int status) {
        int i = status - FIRST;
        ByteBuf page = i >= 0 && i < pages.length ? pages[i] : null;
        return page == null ? null : page.duplicate();
    }

    /** The statuses that have a page, in order. */
    public List<Integer> statuses() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < pages.length; i++) {
            if (pages[i] != null) {
                out.add(FIRST + i);
            }
        }
        return out;
    }

    /** The files left out at load, each with its name and why. */
    public List<String> problems() {
        return problems;
    }
}
