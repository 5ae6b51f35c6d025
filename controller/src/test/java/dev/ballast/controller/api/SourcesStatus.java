package dev.ballast.controller.api;

import dev.ballast.controller.desired.DesiredState;
import dev.ballast.controller.source.SourceHealth;
import dev.ballast.schema.Problem;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A controller's status as the probes read it: its sources' health, and nothing of the desired state. */
record SourcesStatus(List<SourceHealth> sources) implements ControllerStatus {

    @Override
    public boolean synced() {
        return sources.stream().allMatch(SourceHealth::synced);
    }

    @Override
    public Map<String, List<Problem>> gitOpsProblems() {
        return Map.of();
    }

    @Override
    public DesiredState desired() {
        throw new AssertionError("the probes do not read the desired state");
    }

    @Override
    public Instant desiredSince() {
        return Instant.EPOCH;
    }
}
