package dev.ballast.dataplane.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The entries of one host (or of no host), indexed by path. Built once, then read-only. */
final class Bucket {

    private final Map<String, List<RuleEntry>> exact = new HashMap<>();
    private final PrefixTrie prefixes = new PrefixTrie();
    private final List<RuleEntry> regexes = new ArrayList<>();

    void add(RuleEntry entry) {
        switch (entry.pathType()) {
            case EXACT -> exact.computeIfAbsent(entry.path, p -> new ArrayList<>(1)).add(entry);
            case PREFIX -> prefixes.add(entry.path, entry);
            case REGEX -> regexes.add(entry);
        }
    }

    void seal() {
        exact.values().forEach(l -> l.sort(RuleEntry.TIE_BREAK));
        prefixes.seal();
        regexes.sort(RuleEntry.TIE_BREAK);
    }

    /**
     * The first entry that matches the request's path and whose conditions it meets, the most specific first: the
     * exact path, then prefixes from the longest, then regular expressions in name order; null when none does.
     * Nothing is allocated for it (no list of candidates): this runs for every request.
     */
    RuleEntry first(RequestFacts request) {
        String path = request.path();
        RuleEntry found = firstHolding(exact.get(path), request);
        if (found == null) {
            found = prefixes.first(path, request);
        }
        for (int i = 0; found == null && i < regexes.size(); i++) {
            RuleEntry e = regexes.get(i);
            if (e.regex.matcher(path).find() && e.conditionsHold(request)) {
                found = e;
            }
        }
        return found;
    }

    /** The first of {@code entries} (null: none) whose conditions the request meets. */
    static RuleEntry firstHolding(List<RuleEntry> entries, RequestFacts request) {
        if (entries != null) {
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i).conditionsHold(request)) {
                    return entries.get(i);
                }
            }
        }
        return null;
    }
}
