package dev.ballast.dataplane.routing;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.Arrays;
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

    private static final FastThreadLocal<Node[]> SCRATCH = new FastThreadLocal<>();

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

    /**
     * The first entry whose prefix the path starts with, longest prefix first, and whose conditions the request meets;
     * null when none does. The nodes on the way are noted in a scratch array per thread, cleared after.
     */
    RuleEntry first(String path, RequestFacts request) {
        Node[] found = scratch(path.length());
        int n = 0;
        Node node = root;
        for (int i = 0; i < path.length() && node != null; i++) {
            node = node.children.get(path.charAt(i));
            if (node != null && node.entries != null) {
                found[n++] = node;
            }
        }
        RuleEntry first = null;
        for (int i = n - 1; i >= 0 && first == null; i--) {
            first = Bucket.firstHolding(found[i].entries, request);
        }
        Arrays.fill(found, 0, n, null); // no node of this table is kept past the request
        return first;
    }

    private static Node[] scratch(int size) {
        Node[] scratch = SCRATCH.get();
        if (scratch == null || scratch.length < size) {
            scratch = new Node[Math.max(size, 64)];
            SCRATCH.set(scratch);
        }
        return scratch;
    }
}
