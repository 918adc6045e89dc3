package dev.calling.core.routing;

import java.util.List;

/**
 * What the caller's plan lets them call: VoIP always; PSTN only if {@code pstnAllowed}, and never
 * numbers under a barred prefix (premium-rate ranges, sanctioned destinations ...).
 */
public record RoutingPlan(boolean pstnAllowed, List<String> barredPrefixes) {

    public RoutingPlan {
        barredPrefixes = List.copyOf(barredPrefixes);
    }

    public static RoutingPlan voipOnly() {
        return new RoutingPlan(false, List.of());
    }

    public static RoutingPlan withPstn(List<String> barredPrefixes) {
        return new RoutingPlan(true, barredPrefixes);
    }

    boolean bars(PhoneNumber number) {
        return barredPrefixes.stream().anyMatch(number.digits()::startsWith);
    }
}
