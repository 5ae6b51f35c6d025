package dev.ballast.schema.labels;

import dev.ballast.schema.FieldPath;
import dev.ballast.schema.HeaderOperations;
import dev.ballast.schema.PathType;
import dev.ballast.schema.RouteMode;
import dev.ballast.schema.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns one Docker Flow destination ({@code com.df.X} or {@code com.df.X.N}) into rules: one for {@code port}, and
 * one before it for {@code httpsPort} (traffic arriving on {@code srcHttpsPort}, 443 by default).
 */
final class DestinationTranslator {

    private final LabelParams p;
    private final ServiceLevel service;
    private final TranslationOptions options;
    private final RouteMode mode;

    /** Values that Docker Flow set once per service but that Ballast applies per rule. */
    record ServiceLevel(HeaderOperations requestHeaders, HeaderOperations responseHeaders, Rule.Auth auth,
                        List<Rule.Rewrite> deprecatedRewrite, boolean redirectWhenHttpProto,
                        boolean redirectUnlessHttpsProto, FieldProvenance provenance) {
    }

    /** Labels of the service-level values, so rule fields built from them can be traced back. */
    record FieldProvenance(Optional<LabelParams.Value> requestHeaders, Optional<LabelParams.Value> responseHeaders,
                           Optional<LabelParams.Value> users, Optional<LabelParams.Value> rewrite) {
    }

    DestinationTranslator(LabelParams params, ServiceLevel service, TranslationOptions options, RouteMode mode) {
        this.p = params;
        this.service = service;
        this.options = options;
        this.mode = mode;
    }

    /**
     * The rules of destination {@code index} (0 for the un-indexed one), appended to {@code rules}; problems are
     * recorded in the params.
     */
    void translate(int index, List<Rule> rules) {
        Optional<LabelParams.Value> pathValue = p.get("servicePath", index);
        Optional<LabelParams.Value> domainValue = p.get("serviceDomain", index);
        Optional<LabelParams.Value> portValue = p.get("port", index);
        Optional<LabelParams.Value> httpsPortValue = p.get("httpsPort", index);

        checkClientSsl(index);
        if (mode != RouteMode.HTTP) {
            // A connection has no path: the port it arrives on (and in SNI mode its server name) says where it goes.
            String reqMode = "reqMode=" + mode.name().toLowerCase(java.util.Locale.ROOT);
            if (p.get("srcPort", index).isEmpty()) {
                p.error(p.labelName("srcPort", index), "is required with " + reqMode + ": the listener port whose "
                        + "connections go to the service");
            }
            httpsPortValue.ifPresent(v -> p.error(v.label(), "is HTTP-only: with " + reqMode + " use "
                    + p.labelName("port", index) + " and " + p.labelName("srcPort", index)));
            if (mode == RouteMode.SNI && domainValue.isEmpty() && sniNamesInPath(index).isEmpty()) {
                p.error(p.labelName("serviceDomain", index), "is required with reqMode=sni: the server names whose "
                        + "TLS connections go to the service");
            }
        } else if (pathValue.isEmpty() && domainValue.isEmpty()) {
            p.error(p.labelName("servicePath", index), "is required (or " + p.labelName("serviceDomain", index) + ")");
        }
        if (portValue.isEmpty() && httpsPortValue.isEmpty()) {
            p.error(p.labelName("port", index), "is required: the port the service listens on");
        }

        boolean sni = mode == RouteMode.SNI;
        PathType pathType = sni ? PathType.PREFIX : pathType(index);
        List<String> paths = sni ? List.of("/") : paths(index);
        Optional<Integer> port = p.port(portValue);
        Optional<Integer> httpsPort = p.port(httpsPortValue);
        Optional<Integer> srcPort = p.port(p.get("srcPort", index));
        Optional<Integer> srcHttpsPort = p.port(p.get("srcHttpsPort", index));
        if (srcHttpsPort.isPresent() && httpsPort.isEmpty()) {
            p.warning(p.get("srcHttpsPort", index).get().label(), "ignored without " + p.labelName("httpsPort", index));
        }

        if (httpsPort.isPresent() && mode != RouteMode.TCP) {
            int at = rules.size();
            rules.add(rule(index, at, pathType, paths, srcHttpsPort.or(() -> Optional.of(443)).get(), httpsPort.get()));
            p.from(rulePath(at).child("port"), httpsPortValue);
            p.from(rulePath(at).child("srcPort"), p.get("srcHttpsPort", index));
        }
        // The plain rule exists unless the destination has only an httpsPort; it is built even when the port is
        // bad, so that every other label of the destination is checked in the same pass.
        if (portValue.isPresent() || httpsPortValue.isEmpty() || mode == RouteMode.TCP) {
            int at = rules.size();
            rules.add(rule(index, at, pathType, paths, srcPort.orElse(null), port.orElse(null)));
            p.from(rulePath(at).child("port"), portValue);
            p.from(rulePath(at).child("srcPort"), p.get("srcPort", index));
        }
    }

    private Rule rule(int index, int at, PathType pathType, List<String> paths, Integer srcPort, Integer port) {
        FieldPath path = rulePath(at);
        p.from(path.child("paths"), p.get("servicePath", index));
        p.from(path.child("pathType"), p.get("pathType", index));
        p.from(path.child("excludePaths"), p.get("servicePathExclude", index));
        p.from(path.child("hosts"), p.get("serviceDomain", index).or(() -> sniNamesInPath(index)));
        p.from(path.child("headers"), p.get("serviceHeader", index));
        p.from(path.child("userAgents"), p.get("userAgent", index));
        p.from(path.child("methods"), p.get("allowedMethods", index).or(() -> p.get("deniedMethods", index)));
        p.from(path.child("methods").child("allow"), p.get("allowedMethods", index));
        p.from(path.child("methods").child("deny"), p.get("deniedMethods", index));
        p.from(path.child("rewrite"), p.get("reqPathSearchReplace", index).or(service.provenance()::rewrite));
        p.from(path.child("requestHeaders"), service.provenance().requestHeaders());
        p.from(path.child("responseHeaders"), service.provenance().responseHeaders());
        p.from(path.child("auth"), service.provenance().users());
        p.from(path.child("auth").child("users"), p.get("users"));
        p.from(path.child("auth").child("usersSecret"), p.get("usersSecret"));
        p.from(path.child("auth").child("disabled"), p.get("ignoreAuthorization", index));
        p.from(path.child("redirect").child("fromDomains"), p.get("redirectFromDomain", index));
        p.from(path.child("redirect").child("httpsOnly"), p.get("httpsOnly", index));
        p.from(path.child("redirect").child("code"), p.get("httpsRedirectCode", index));
        p.from(path.child("redirect").child("whenForwardedProtoHttp"), p.get("redirectWhenHttpProto"));
        p.from(path.child("redirect").child("unlessForwardedProtoHttps"), p.get("redirectUnlessHttpsProto"));
        p.from(path.child("denyHttp"), p.get("denyHttp", index));
        p.from(path.child("allowedSourceRanges"), p.get("allowedSourceRanges", index));
        p.from(path.child("timeouts").child("server"), p.get("timeoutServer", index));
        p.from(path.child("timeouts").child("tunnel"), p.get("timeoutTunnel", index));
        p.from(path.child("timeouts").child("client"), p.get("timeoutClient", index));
        p.from(path.child("maxRequestBodySize"), p.get("maxRequestBodySize", index));

        List<String> hosts = mode == RouteMode.SNI ? SniServerNames.of(p, index, hosts(index)) : hosts(index);
        return new Rule(paths, pathType, p.list(p.get("servicePathExclude", index)), hosts,
                headerMatches(index), p.list(p.get("userAgent", index)),
                new Rule.Methods(methods("allowedMethods", index), methods("deniedMethods", index)),
                srcPort, port, rewrites(index), service.requestHeaders(), service.responseHeaders(),
                timeouts(index), p.isTrue(p.get("ignoreAuthorization", index)) ? Rule.Auth.DISABLED : service.auth(),
                redirect(index), p.isTrue(p.get("denyHttp", index)), p.list(p.get("allowedSourceRanges", index)),
                p.get("maxRequestBodySize", index).map(v -> v.text().trim()).orElse(null), false);
    }

    /** In SNI mode, a {@code servicePath} other than {@code /}: server names in Docker Flow's way of giving them. */
    private Optional<LabelParams.Value> sniNamesInPath(int index) {
        return p.get("servicePath", index).filter(v -> mode == RouteMode.SNI
                && !p.list(Optional.of(v)).stream().allMatch("/"::equals));
    }

    private static FieldPath rulePath(int at) {
        return FieldPath.of("spec", "rules", at);
    }

    /** {@code reqMode} itself is read once per route ({@code LabelTranslator}); client certificates are refused. */
    private void checkClientSsl(int index) {
        p.bool(p.get("verifyClientSsl", index)).filter(Boolean::booleanValue).ifPresent(v ->
                p.error(p.get("verifyClientSsl", index).get().label(), "client certificates are not supported; "
                        + "the route is refused rather than served without the check"));
    }

    /** Docker Flow's HAProxy fetch names, mapped onto path types (a suffix or substring match becomes a regex). */
    private PathType pathType(int index) {
        Optional<LabelParams.Value> value = p.get("pathType", index);
        if (value.isEmpty()) {
            return PathType.PREFIX;
        }
        return switch (value.get().text().trim()) {
            case "path_beg", "Prefix" -> PathType.PREFIX;
            case "path", "Exact" -> PathType.EXACT;
            case "path_reg", "path_end", "path_sub", "Regex" -> PathType.REGEX;
            default -> {
                p.error(value.get().label(), "\"" + value.get().text()
                        + "\" is not supported (expected path_beg, path, path_reg, path_end or path_sub)");
                yield PathType.PREFIX;
            }
        };
    }

    /** The paths; HAProxy's suffix and substring fetches become regular expressions. */
    private List<String> paths(int index) {
        List<String> paths = p.list(p.get("servicePath", index));
        if (paths.isEmpty()) {
            return List.of("/"); // serviceDomain without servicePath means the whole site, as in Docker Flow
        }
        String fetch = p.get("pathType", index).map(v -> v.text().trim()).orElse("");
        return switch (fetch) {
            case "path_end" -> paths.stream().map(s -> Pattern.quote(s) + "$").toList();
            case "path_sub" -> paths.stream().map(Pattern::quote).toList();
            default -> paths;
        };
    }

    /** {@code *acme.com} (Docker Flow's ends-with match) becomes {@code acme.com} and {@code *.acme.com}. */
    private List<String> hosts(int index) {
        List<String> hosts = new ArrayList<>();
        for (String host : p.list(p.get("serviceDomain", index))) {
            if (host.startsWith("*") && !host.startsWith("*.") && host.length() > 1) {
                String domain = host.substring(1);
                p.warning(p.get("serviceDomain", index).get().label(), "\"" + host + "\" is read as \"" + domain
                        + "\" and \"*." + domain + "\" (Ballast matches whole host names or *.subdomains)");
                hosts.add(domain);
                hosts.add("*." + domain);
            } else {
                hosts.add(host);
            }
        }
        return hosts;
    }

    private List<Rule.HeaderMatch> headerMatches(int index) {
        List<Rule.HeaderMatch> out = new ArrayList<>();
        Optional<LabelParams.Value> value = p.get("serviceHeader", index);
        for (String pair : p.list(value)) {
            int colon = pair.indexOf(':');
            if (colon <= 0) {
                p.error(value.get().label(), "\"" + pair + "\" is not Name:value");
            } else {
                out.add(new Rule.HeaderMatch(pair.substring(0, colon).trim(), pair.substring(colon + 1).trim()));
            }
        }
        return out;
    }

    private List<String> methods(String param, int index) {
        return p.list(p.get(param, index)).stream().map(m -> m.toUpperCase(Locale.ROOT)).distinct().toList();
    }

    /** {@code reqPathSearchReplace} pairs ({@code search,replace:search,replace}), then the deprecated pair. */
    private List<Rule.Rewrite> rewrites(int index) {
        List<Rule.Rewrite> out = new ArrayList<>();
        Optional<LabelParams.Value> value = p.get("reqPathSearchReplace", index);
        if (value.isPresent()) {
            for (String pair : value.get().text().split(":")) {
                if (pair.isBlank()) {
                    continue;
                }
                int comma = pair.indexOf(',');
                if (comma <= 0) {
                    p.error(value.get().label(), "\"" + pair + "\" is not search,replace");
                } else {
                    out.add(new Rule.Rewrite(pair.substring(0, comma), pair.substring(comma + 1)));
                }
            }
        }
        out.addAll(service.deprecatedRewrite());
        return out;
    }

    private Rule.Timeouts timeouts(int index) {
        var server = p.duration(p.get("timeoutServer", index));
        var tunnel = p.duration(p.get("timeoutTunnel", index));
        var client = p.duration(p.get("timeoutClient", index));
        if (server.isEmpty() && tunnel.isEmpty() && client.isEmpty()) {
            return null;
        }
        return new Rule.Timeouts(server.orElse(null), tunnel.orElse(null), client.orElse(null));
    }

    private Rule.Redirect redirect(int index) {
        // HTTPS_ONLY forces redirects on HTTP routes; a TCP route has nothing to redirect (an explicit label still
        // asks for one, and is refused by the route's validation, naming it).
        boolean httpsOnly = p.isTrue(p.get("httpsOnly", index)) || (options.httpsOnly() && mode != RouteMode.TCP);
        Optional<Integer> code = p.parse(p.get("httpsRedirectCode", index), DestinationTranslator::redirectCode);
        List<String> fromDomains = p.list(p.get("redirectFromDomain", index));
        if (!httpsOnly && code.isEmpty() && fromDomains.isEmpty() && !service.redirectWhenHttpProto()
                && !service.redirectUnlessHttpsProto()) {
            return null;
        }
        return new Rule.Redirect(httpsOnly, code.orElse(null), service.redirectWhenHttpProto(),
                service.redirectUnlessHttpsProto(), fromDomains, null);
    }

    private static Integer redirectCode(String text) {
        return switch (text.trim()) {
            case "301", "302", "303", "307", "308" -> Integer.valueOf(text.trim());
            default -> throw new IllegalArgumentException("\"" + text + "\" is not a redirect code (301, 302, 303, 307 or 308)");
        };
    }
}
