package dev.calling.core.charging;

import dev.calling.core.call.CallAuthoriser;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Charging;
import dev.calling.core.money.Money;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Prepaid authorisation of PSTN calls: price the destination in the caller's plan, then reserve
 * from the caller's balance what {@code longestCall} of talk would cost, or all that is available
 * if less, provided it pays at least the first billing block (with the connect fee). The talk time
 * the reservation buys becomes the call's limit. Reservations are per call id, so a redelivered
 * request gets the same terms and two calls can never spend the same money.
 */
public final class PrepaidAuthoriser implements CallAuthoriser {

    private final PricePlans plans;
    private final Accounts accounts;
    private final Duration longestCall;

    public PrepaidAuthoriser(PricePlans plans, Accounts accounts, Duration longestCall) {
        this.plans = Objects.requireNonNull(plans);
        this.accounts = Objects.requireNonNull(accounts);
        if (longestCall.toSeconds() < 60) {
            throw new IllegalArgumentException("the longest call should be at least a minute: " + longestCall);
        }
        this.longestCall = longestCall;
    }

    @Override
    public Authorisation authorise(CallEvent.CallRequested request, Route.Pstn route, Instant now) {
        PricePlan plan = plans.planOf(request.callerUserId());
        Optional<Rate> price = plan.rateFor(route.number(), now);
        if (price.isEmpty()) {
            return new Authorisation.Refused(new Route.Refused(Route.Refusal.DESTINATION_NOT_ALLOWED,
                    "price plan " + plan.id() + " has no price for " + route.number()));
        }
        Rate rate = price.get();
        long cap = longestCall.toSeconds();
        Money wanted = Rating.retail(rate, cap);
        Money minimum = Rating.retail(rate, 1);
        Optional<Money> reserved = accounts.reserve(request.callerUserId(), request.callId(), wanted, minimum, now);
        if (reserved.isEmpty()) {
            Money available = accounts.account(request.callerUserId(), plan.currency()).available();
            return new Authorisation.Refused(new Route.Refused(Route.Refusal.INSUFFICIENT_FUNDS,
                    "balance " + available + " does not cover the first " + rate.increment().firstSeconds()
                            + " s to " + route.number() + " (" + minimum + ")"));
        }
        long talk = Rating.maxTalkSeconds(rate, reserved.get(), cap);
        return new Authorisation.Granted(new Charging(rate, reserved.get(), talk));
    }
}
