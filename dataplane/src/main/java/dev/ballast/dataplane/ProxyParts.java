package dev.ballast.dataplane;

import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.access.UserDirectory;
import dev.ballast.dataplane.exchange.CompressionPolicy;
import dev.ballast.dataplane.proxy.ErrorPages;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The parts of the proxy that the operator's settings make, built at start (never on an event loop) and logged. */
final class ProxyParts {

    private static final Logger LOG = LoggerFactory.getLogger(DataplaneServer.class);

    private ProxyParts() {
    }

    /** The global users ({@code dfp_users} or {@code USERS}), read once, at start, off the event loops. */
    static UserDirectory users(DataplaneConfig config) {
        return UserDirectory.load(config.secretsDir(), config.users(), config.usersPassEncrypted());
    }

    /** The pages in {@code dir}, read now (never on an event loop); the files left out are logged, named. */
    static ErrorPages errorPages(Path dir) {
        ErrorPages pages = ErrorPages.load(dir);
        pages.problems().forEach(problem -> LOG.warn("--error-pages {}: {}", dir, problem));
        LOG.info("error pages from {}: {}", dir, pages.statuses().isEmpty() ? "none"
                : pages.statuses().stream().map(String::valueOf).collect(Collectors.joining(", ")));
        return pages;
    }

    /** The compression policy, or null when compression is off (then nothing of it is on the request path). */
    static CompressionPolicy compression(DataplaneConfig.Compression settings) {
        if (!settings.enabled()) {
            return null;
        }
        CompressionPolicy policy = new CompressionPolicy(settings.algorithms(), settings.types());
        LOG.info("compressing responses with {} for {}", settings.algorithms(),
                settings.types().isEmpty() ? CompressionPolicy.DEFAULT_TYPES : String.join(" ", settings.types()));
        return policy;
    }
}
