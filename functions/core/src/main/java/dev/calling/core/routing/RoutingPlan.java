package dev.calling.core.routing;

import java.util.List;

/**
 * What the caller's plan lets them call: VoIP always; PSTN only if {@code pstnAllowed}, and never
 * numbers under a barred prefix (sanctioned destinations, ...); high-risk destinations
 * ({@link HighRiskDestinations}) only if the user is allow-listed for them ({@code highRiskAllowed}); and no PSTN
 * at all while an operator blocks the user's calls to phone numbers ({@code pstnBlocked}), whatever the plan says.
 */
public record RoutingPlan(boolean pstnAllowed, List<String> barredPrefixes, boolean highRiskAllowed,
        boolean pstnBlocked) {

    public RoutingPlan {
        barredPrefixes = List.copyOf(barredPrefixes);
    }

    /** A plan without an operator's PSTN block. */
    public RoutingPlan(boolean pstnAllowed, List<String> barredPrefixes, boolean highRiskAllowed) {
        this(pstnAllowed, barredPrefixes, highRiskAllowed, false);
    }

    /** A plan not allow-listed for high-risk destinations. */
    public RoutingPlan(boolean pstnAllowed, List<String> barredPrefixes) {
        this(pstnAllowed, barredPrefixes, false);
    }

    /** This plan, allow-listed for high-risk destinations (or not). */
    public RoutingPlan withHighRiskAllowed(boolean allowed) {
        return new RoutingPlan(pstnAllowed, barredPrefixes, allowed, pstnBlocked);
    }

    /** This plan, with the user's calls to phone numbers blocked by an operator (or not). */
    public RoutingPlan withPstnBlocked(boolean blocked) {
        return new RoutingPlan(pstnAllowed, barredPrefixes, highRiskAllowed, blocked);
    }

    /** Whether the user may call phone numbers now: the plan includes it and no operator blocks it. */
    boolean mayCallPhones() {
        return pstnAllowed && !pstnBlocked;
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
