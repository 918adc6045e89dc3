package dev.calling.core.call;

import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.charging.Rating;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import java.util.Currency;
import java.util.Optional;

/** Makes an ended call's detail record from the call record alone, so it can always be made again. */
final class CallDetails {

    /** ISO 4217 "no currency": the amounts of calls nobody pays for (VoIP, refused). */
    static final Currency NO_CURRENCY = Currency.getInstance("XXX");

    private CallDetails() {}

    static CallDetailRecord of(Call call) {
        long talk = Rating.talkSeconds(call.answeredAt(), call.endedAt());
        Charging charging = call.charging();
        if (charging != null) {
            talk = Math.min(talk, charging.maxTalkSeconds()); // never more than the reserved money buys
        }
        Optional<Attempt> carried = call.attempts().stream().filter(a -> a.outcome() == AttemptOutcome.ANSWERED)
                .findFirst().or(() -> call.attempts().isEmpty() ? Optional.empty()
                        : Optional.of(call.attempts().get(call.attempts().size() - 1)));
        String providerId = carried.map(Attempt::providerId).orElse(null);
        long costedTalk = talk;
        Optional<Money> carrierCost = call.carrierRates().stream().filter(o -> o.providerId().equals(providerId))
                .findFirst().map(Route.ProviderOption::cost).map((Rate rate) -> Rating.cost(rate, costedTalk));
        Currency currency = charging != null ? charging.rate().perMinute().currency()
                : carrierCost.map(Money::currency).orElse(NO_CURRENCY);
        Money retail = charging != null ? Rating.retail(charging.rate(), talk) : Money.zero(currency);
        long billable = charging != null ? charging.rate().increment().billableSeconds(talk) : 0;
        Money cost = carrierCost.orElse(Money.zero(currency));
        return new CallDetailRecord(call.callId(), call.callerUserId(), call.callee(),
                call.route() == RouteKind.PSTN ? call.dialledNumber() : null, call.route(), providerId, call.attempts(),
                call.requestedAt(), call.answeredAt(), call.endedAt(), call.endReason(), talk, billable, retail, cost);
    }
}
