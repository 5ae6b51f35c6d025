package dev.ballast.dataplane.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prefix paths by character, so that the prefixes of a request path are found by walking it once instead of testing
 * every route. Built once, then read-only.
 */
final class PrefixTrie {

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        List<RuleEntry> entries;
    }

    private final Node root = new Node();

    void add(String prefix, RuleEntry entry) {
        Node node = root;
        for (int i = 0; i < prefix.length(); i++) {
            node = node.children.computeIfAbsent(prefix.charAt(i), c -> new Node());
        }
        if (node.entries == null) {
            node.entries = new ArrayList<>(1);
        }
        node.entries.add(entry);
    }

    /** Sorts each node's entries once building is done. */
    void seal() {
        seal(root);
    }

    private static void seal(Node node) {
        if (node.entries != null) {
            node.entries.sort(RuleEntry.TIE_BREAK);
        }
        node.children.values().forEach(PrefixTrie::seal);
    }

    /** Entries whose prefix the path starts with, longest prefix first. */
    void collect(String path, List<RuleEntry> out) {
        List<List<RuleEntry>> found = new ArrayList<>(4);
        Node node = root;
        for (int i = 0; i < path.length() && node != null; i++) {
            node = node.children.get(path.charAt(i));
            if (node != null && node.entries != null) {
                found.add(node.entries);
            }
        }
        for (int i = found.size() - 1; i >= 0; i--) {
            out.addAll(found.get(i));
        }
    }
}
