package dev.calling.local;

import dev.calling.core.charging.PricePlan;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.time.LocalDate;
import java.util.Currency;
import java.util.List;

/** The charging tests' UK set-up: retail 0.01 USD a second to +44, one carrier at 0.0002 USD a second. */
final class UkPerSecond {

    static final Currency USD = Currency.getInstance("USD");

    private UkPerSecond() {}

    /** The price plan: 0.60 USD a minute to +44, billed per second, no connect fee. */
    static PricePlan plan() {
        return PricePlan.flat("per-second", USD, RateDeck.of(List.of(rate("0.60"))));
    }

    /** The one carrier, {@code uk-carrier}: 0.012 USD a minute to +44, per second, quality 50. */
    static Provider carrier(int capacity) {
        return new Provider("uk-carrier", ProviderKind.PSTN, RateDeck.of(List.of(rate("0.012"))), capacity, true, 50);
    }

    private static Rate rate(String perMinute) {
        return new Rate("44", Money.of(perMinute, "USD"), Money.of("0", "USD"), BillingIncrement.PER_SECOND,
                LocalDate.of(2020, 1, 1));
    }
}
