package dev.calling.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.money.Money;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which scheduled deck prices a carrier at an instant, and the carrier priced by it. */
class ScheduledRateDeckTest {

    static final Instant T = Instant.parse("2026-12-05T10:00:00Z");

    static ScheduledRateDeck deck(String key, Instant from) {
        return new ScheduledRateDeck("atlas", from, new RateDeckObject(key, Optional.empty(), "e"), 1,
                Currency.getInstance("USD"), "ops", Optional.empty(), T);
    }

    @Test
    void theDeckInEffectIsTheNewestNotAfterNowFromItsExactInstantWithTheEarlierOnesAsFallbacks() {
        List<ScheduledRateDeck> newestFirst = List.of(deck("c", T.plusSeconds(60)), deck("b", T), deck("a", T.minusSeconds(60)));

        assertThat(ScheduledRateDeck.inEffectAt(newestFirst, T.minusMillis(1))).extracting(d -> d.object().key())
                .containsExactly("a");
        assertThat(ScheduledRateDeck.inEffectAt(newestFirst, T)).extracting(d -> d.object().key()).containsExactly("b", "a");
        assertThat(ScheduledRateDeck.inEffectAt(newestFirst, T.plusSeconds(60))).extracting(d -> d.object().key())
                .containsExactly("c", "b", "a");
        assertThat(ScheduledRateDeck.inEffectAt(newestFirst, T.minusSeconds(61))).isEmpty();
    }

    @Test
    void aCarrierWithAnotherCostDeckKeepsItsOtherTermsAndTheDeckKnowsItsCurrency() {
        Rate rate = new Rate("44", Money.of("0.01", "EUR"), Money.of("0", "EUR"), BillingIncrement.PER_MINUTE,
                LocalDate.of(2026, 1, 1));
        Provider packaged = new Provider("atlas", ProviderKind.PSTN, RateDeck.of(List.of()), 7, false, 80);
        RateDeck scheduled = RateDeck.of(List.of(rate));

        Provider priced = packaged.withCostDeck(scheduled);

        assertThat(priced).isEqualTo(new Provider("atlas", ProviderKind.PSTN, scheduled, 7, false, 80));
        assertThat(scheduled.currency()).contains(Currency.getInstance("EUR"));
        assertThat(packaged.costDeck().currency()).isEmpty();
    }
}
