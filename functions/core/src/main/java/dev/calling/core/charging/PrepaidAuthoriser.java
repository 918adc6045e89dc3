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

    /** How many PSTN calls one user may have in progress at once unless configured otherwise. */
    public static final int DEFAULT_CONCURRENT_CALLS = 2;

    private final PricePlans plans;
    private final Accounts accounts;
    private final Duration longestCall;
    private final int concurrentCalls;

    public PrepaidAuthoriser(PricePlans plans, Accounts accounts, Duration longestCall) {
        this(plans, accounts, longestCall, DEFAULT_CONCURRENT_CALLS);
    }

    /** @param concurrentCalls how many PSTN calls one user may have in progress (holding money) at once */
    public PrepaidAuthoriser(PricePlans plans, Accounts accounts, Duration longestCall, int concurrentCalls) {
        this.plans = Objects.requireNonNull(plans);
        this.accounts = Objects.requireNonNull(accounts);
        if (longestCall.toSeconds() < 60) {
            throw new IllegalArgumentException("the longest call should be at least a minute: " + longestCall);
        }
        this.longestCall = longestCall;
        if (concurrentCalls < 1) {
            throw new IllegalArgumentException("at least one PSTN call at a time: " + concurrentCalls);
        }
        this.concurrentCalls = concurrentCalls;
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
        Accounts.Reservation reservation = accounts.reserve(request.callerUserId(), request.callId(), wanted, minimum,
                now, new Accounts.Limits(concurrentCalls, plan.dailySpendCap()));
        if (reservation instanceof Accounts.Reservation.Reserved reserved) {
            long talk = Rating.maxTalkSeconds(rate, reserved.amount(), cap);
            return new Authorisation.Granted(new Charging(rate, reserved.amount(), talk));
        }
        Route.Refused refusal;
        if (reservation instanceof Accounts.Reservation.TooManyCalls many) {
            refusal = new Route.Refused(Route.Refusal.CONCURRENT_CALL_LIMIT, "the caller has " + many.open()
                    + " PSTN call(s) in progress, as many as allowed at once (" + concurrentCalls + ")");
        } else if (reservation instanceof Accounts.Reservation.DailySpendReached spent) {
            refusal = new Route.Refused(Route.Refusal.DAILY_SPEND_LIMIT, "spent and held today " + spent.spentAndHeld()
                    + " leaves less than the first " + rate.increment().firstSeconds() + " s (" + minimum
                    + ") under the daily cap of " + spent.cap());
        } else {
            Money available = ((Accounts.Reservation.InsufficientFunds) reservation).available();
            refusal = new Route.Refused(Route.Refusal.INSUFFICIENT_FUNDS, "balance " + available
                    + " does not cover the first " + rate.increment().firstSeconds() + " s to " + route.number()
                    + " (" + minimum + ")");
        }
        return new Authorisation.Refused(refusal);
    }
}
