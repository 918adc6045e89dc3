package dev.calling.core.routing;

import java.util.Objects;
import java.util.Optional;

/**
 * What routing needs to know of a user: the phone number they can be reached on, their plan, and whether calls from
 * users they do not know ring them ({@code silencesUnknownCallers}, their own setting).
 */
public record Subscriber(String userId, Optional<PhoneNumber> phoneNumber, RoutingPlan plan,
        boolean silencesUnknownCallers) {

    public Subscriber {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(phoneNumber, "phoneNumber");
        Objects.requireNonNull(plan, "plan");
    }

    /** A subscriber who lets every caller ring them. */
    public Subscriber(String userId, Optional<PhoneNumber> phoneNumber, RoutingPlan plan) {
        this(userId, phoneNumber, plan, false);
    }

    /** A user nobody configured: reachable over VoIP only, may call app users only. */
    public static Subscriber appOnly(String userId) {
        return new Subscriber(userId, Optional.empty(), RoutingPlan.voipOnly());
    }
}
