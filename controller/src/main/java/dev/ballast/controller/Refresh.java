package dev.ballast.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** What a reconcile pass is asked to refresh before it rebuilds; triggers that arrive together are folded into a set. */
public enum Refresh {
    /** Services, tasks and networks. */
    SERVICES,
    /** Running tasks only (Swarm sends no task events, so they are polled). */
    TASKS,
    /** The GitOps directory. */
    GITOPS,
    /** Nothing; rebuild only (the push API changed). */
    REBUILD;

    /** What a pass was asked to refresh, for its span: {@code services,gitops}, {@code tasks}, or {@code none}. */
    static String describe(Set<Refresh> what) {
        List<String> parts = new ArrayList<>();
        if (what.contains(SERVICES)) {
            parts.add("services");
        } else if (what.contains(TASKS)) {
            parts.add("tasks");
        }
        if (what.contains(GITOPS)) {
            parts.add("gitops");
        }
        return parts.isEmpty() ? "none" : String.join(",", parts);
    }
}
