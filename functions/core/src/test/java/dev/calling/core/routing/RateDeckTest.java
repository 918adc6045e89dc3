package dev.calling.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.money.Money;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RateDeckTest {

    static final LocalDate JAN = LocalDate.of(2026, 1, 1);

    static Rate rate(String prefix, String perMinute, LocalDate from) {
        return new Rate(prefix, Money.of(perMinute, "USD"), Money.of("0", "USD"), BillingIncrement.PER_MINUTE, from);
    }

    final RateDeck deck = RateDeck.of(List.of(
            rate("44", "0.0100", JAN),
            rate("447", "0.0300", JAN),
            rate("4477", "0.0500", JAN),
            rate("447", "0.0250", JAN.plusMonths(6)),
            rate("1", "0.0050", JAN)));

    @Test
    void longestPrefixWins() {
        assertThat(perMinute(deck.lookup("447700900123", JAN))).isEqualTo("0.05 USD");
        assertThat(perMinute(deck.lookup("447600900123", JAN))).isEqualTo("0.03 USD");
        assertThat(perMinute(deck.lookup("442071234567", JAN))).isEqualTo("0.01 USD");
        assertThat(deck.lookup("33123456789", JAN)).isEmpty();
    }

    @Test
    void theRateInEffectOnTheDayIsUsed() {
        assertThat(perMinute(deck.lookup("447600900123", JAN.plusMonths(6)))).isEqualTo("0.025 USD");
        assertThat(perMinute(deck.lookup("447600900123", JAN.plusMonths(6).minusDays(1)))).isEqualTo("0.03 USD");
        assertThat(deck.lookup("447600900123", JAN.minusDays(1))).isEmpty();
    }

    @Test
    void aPrefixNotYetInEffectFallsBackToAShorterOne() {
        RateDeck future = RateDeck.of(List.of(rate("44", "0.01", JAN), rate("447", "0.02", JAN.plusYears(1))));

        assertThat(perMinute(future.lookup("447700900123", JAN))).isEqualTo("0.01 USD");
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> rate("+44", "0.01", JAN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateDeck.of(List.of(rate("44", "0.01", JAN), rate("44", "0.02", JAN))))
                .hasMessageContaining("two rates for prefix 44");
        assertThatThrownBy(() -> deck.lookup("44a", JAN)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String perMinute(Optional<Rate> rate) {
        return rate.orElseThrow().perMinute().toString();
    }
}
