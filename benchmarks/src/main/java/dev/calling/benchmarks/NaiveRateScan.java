package dev.calling.benchmarks;

import dev.calling.core.routing.Rate;
import java.time.LocalDate;
import java.util.Collection;
import java.util.Optional;

/**
 * The obvious way to price a number, kept as the baseline the trie is measured against: look at
 * every line and keep the longest prefix of the number that is in effect (the latest such line
 * for that prefix). Same answers as {@code RateDeck.lookup}, in time proportional to the deck.
 */
public final class NaiveRateScan {

    private final Rate[] rates;

    public NaiveRateScan(Collection<Rate> rates) {
        this.rates = rates.toArray(Rate[]::new);
    }

    public Optional<Rate> lookup(String e164Digits, LocalDate day) {
        Rate best = null;
        for (Rate rate : rates) {
            String prefix = rate.prefix();
            if (!e164Digits.startsWith(prefix) || rate.effectiveFrom().isAfter(day)) {
                continue;
            }
            if (best == null || prefix.length() > best.prefix().length()
                    || (prefix.length() == best.prefix().length() && rate.effectiveFrom().isAfter(best.effectiveFrom()))) {
                best = rate;
            }
        }
        return Optional.ofNullable(best);
    }
}
