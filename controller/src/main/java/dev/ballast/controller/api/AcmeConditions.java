package dev.ballast.controller.api;

import dev.ballast.controller.acme.AcmeReport;
import dev.ballast.controller.desired.Condition;
import dev.ballast.controller.desired.RouteStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ACME facts about routes, as conditions on them in {@code /v1/status}: {@code AcmeRefused} (a wildcard, no host)
 * and {@code AcmeFailed} (the CA's message of the last failed order, and when the next try is). Added when the status
 * is read: they come from the ACME thread, not from the pass that built the routes.
 */
final class AcmeConditions {

    private AcmeConditions() {
    }

    /** The controller's routes as people read them: with their ACME conditions. */
    static List<RouteStatus> routes(ControllerStatus controller) {
        return added(controller.desired().sortedRoutes(), controller.acmeRefusals(), controller.acme());
    }

    static List<RouteStatus> added(List<RouteStatus> routes, Map<String, String> refusals, List<AcmeReport> acme) {
        Map<String, List<Condition>> extra = new HashMap<>();
        refusals.forEach((route, why) -> extra.computeIfAbsent(route, r -> new ArrayList<>())
                .add(new Condition("AcmeRefused", why)));
        for (AcmeReport report : acme) {
            if (report.lastError() != null) {
                Condition failed = new Condition("AcmeFailed", report.name() + ": " + report.lastError()
                        + " (" + report.failures() + " failed order(s) in a row; next try at " + report.retryAt()
                        + ")");
                report.routes().forEach(route -> extra.computeIfAbsent(route, r -> new ArrayList<>()).add(failed));
            }
        }
        if (extra.isEmpty()) {
            return routes;
        }
        return routes.stream().map(r -> !r.accepted() || !extra.containsKey(r.name()) ? r
                : new RouteStatus(r.name(), r.source(), r.origin(), true, concat(r.conditions(), extra.get(r.name()))))
                .toList();
    }

    private static List<Condition> concat(List<Condition> a, List<Condition> b) {
        List<Condition> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
