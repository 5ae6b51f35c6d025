package dev.ballast.controller.api;

import dev.ballast.controller.desired.DesiredState;
import dev.ballast.controller.source.SourceHealth;
import dev.ballast.schema.Problem;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What {@code /v1/status} and {@code /readyz} report about the controller's sources and desired state. */
public interface ControllerStatus {

    /** Each source's health, in a stable order. */
    List<SourceHealth> sources();

    /** Every enabled source has produced a state at least once. */
    boolean synced();

    /** GitOps files that could not be read, by file. */
    Map<String, List<Problem>> gitOpsProblems();

    /** Every GitOps problem, one {@code file:line: field: message} line each. */
    default List<String> gitOpsProblemLines() {
        return gitOpsProblems().values().stream().flatMap(problems -> problems.stream().map(Problem::format)).toList();
    }

    /** The last desired state built, with each route's conditions. */
    DesiredState desired();

    /** Since when the current desired version has been desired (replica lag counts from there). */
    Instant desiredSince();

    /**
     * The proxy instance this controller routes for ({@code --instance-name}): services whose
     * {@code com.df.proxyInstanceName} names another are someone else's.
     */
    default String instanceName() {
        return "docker-flow";
    }

    /** The certificates distributed (or not: see {@link #distributesCertificates}), invalid ones included. */
    default List<dev.ballast.certificates.CertificateReport> certificates() {
        return List.of();
    }

    /** The certificates ACME keeps (none without {@code --acme-email}). */
    default List<dev.ballast.controller.acme.AcmeReport> acme() {
        return List.of();
    }

    /** Why routes asking for ACME certificates get none, by route name. */
    default Map<String, String> acmeRefusals() {
        return Map.of();
    }

    /** Whether replicas receive the certificates: only when the controller has a token ({@code --token-file}). */
    default boolean distributesCertificates() {
        return false;
    }
}
