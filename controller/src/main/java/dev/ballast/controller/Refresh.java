package dev.ballast.controller;

/** What a reconcile pass is asked to refresh before it rebuilds; triggers that arrive together are folded into a set. */
public enum Refresh {
    /** Services, tasks and networks. */
    SERVICES,
    /** Running tasks only (Swarm sends no task events, so they are polled). */
    TASKS,
    /** The GitOps directory. */
    GITOPS,
    /** Nothing; rebuild only (the push API changed). */
    REBUILD
}
