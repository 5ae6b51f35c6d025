package dev.ballast.controller.desired;

/**
 * One fact about a route in {@code /v1/status}, Kubernetes style.
 *
 * @param type {@code Accepted}, {@code Invalid}, {@code Conflict}, {@code Warning} or {@code NoEndpoints}
 * @param message what it means, naming the label, field or file at fault
 */
public record Condition(String type, String message) {

    public static Condition accepted() {
        return new Condition("Accepted", "in the desired snapshot");
    }
}
