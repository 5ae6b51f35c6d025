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
     * Entries that match the path, most specific first: the exact path (as long as the path itself), then prefixes
     * from the longest, then regular expressions in name order.
     */
    List<RuleEntry> candidates(String path) {
        List<RuleEntry> out = new ArrayList<>(4);
        List<RuleEntry> exactMatches = exact.get(path);
        if (exactMatches != null) {
            out.addAll(exactMatches);
        }
        prefixes.collect(path, out);
        for (RuleEntry e : regexes) {
            if (e.regex.matcher(path).find()) {
                out.add(e);
            }
        }
        return out;
    }
}
