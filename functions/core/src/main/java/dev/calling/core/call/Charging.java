package dev.calling.core.call;

import dev.calling.core.money.Money;
import dev.calling.core.routing.Rate;
import java.util.Objects;

/**
 * The prepaid terms of a PSTN call, fixed when it is placed and kept on the call record so its
 * charge can be recomputed at any time: the retail {@code rate} of the destination in the
 * caller's plan, the money {@code reserved} from the caller's balance, and the talk time that
 * money buys ({@code maxTalkSeconds}), after which the call is cut off.
 */
public record Charging(Rate rate, Money reserved, long maxTalkSeconds) {

    public Charging {
        Objects.requireNonNull(rate, "rate");
        Objects.requireNonNull(reserved, "reserved");
        if (maxTalkSeconds < 1) {
            throw new IllegalArgumentException("a charged call needs talk time: " + maxTalkSeconds);
        }
    }
}
