package dev.calling.core.routing;

import java.util.List;

/**
 * What the caller's plan lets them call: VoIP always; PSTN only if {@code pstnAllowed}, and never
 * numbers under a barred prefix (sanctioned destinations, ...); high-risk destinations
 * ({@link HighRiskDestinations}) only if the user is allow-listed for them ({@code highRiskAllowed}).
 */
public record RoutingPlan(boolean pstnAllowed, List<String> barredPrefixes, boolean highRiskAllowed) {

    public RoutingPlan {
        barredPrefixes = List.copyOf(barredPrefixes);
    }

    /** A plan not allow-listed for high-risk destinations. */
    public RoutingPlan(boolean pstnAllowed, List<String> barredPrefixes) {
        this(pstnAllowed, barredPrefixes, false);
    }

    /** This plan, allow-listed for high-risk destinations (or not). */
    public RoutingPlan withHighRiskAllowed(boolean allowed) {
        return new RoutingPlan(pstnAllowed, barredPrefixes, allowed);
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
