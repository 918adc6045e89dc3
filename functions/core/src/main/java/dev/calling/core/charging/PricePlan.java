package dev.calling.core.charging;

import dev.calling.core.money.Money;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.Objects;
import java.util.Optional;

/**
 * A retail price plan: prices by destination prefix (longest prefix wins, with effective dates,
 * compiled like a carrier's deck), and optionally cheaper off-peak prices outside
 * {@code peakHours}. A destination missing from the off-peak deck keeps its peak price. VoIP calls
 * are free and never priced.
 */
public record PricePlan(String id, Currency currency, RateDeck peak, Optional<RateDeck> offPeak, PeakHours peakHours,
        Optional<Money> dailySpendCap) {

    public PricePlan {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(peak, "peak");
        Objects.requireNonNull(offPeak, "offPeak");
        Objects.requireNonNull(peakHours, "peakHours");
        Objects.requireNonNull(dailySpendCap, "dailySpendCap");
        dailySpendCap.ifPresent(cap -> {
            if (!cap.currency().equals(currency) || cap.isNegative()) {
                throw new IllegalArgumentException("plan " + id + "'s daily spend cap must be in " + currency
                        + " and not negative: " + cap);
            }
        });
    }

    /** A plan without a daily spend cap. */
    public PricePlan(String id, Currency currency, RateDeck peak, Optional<RateDeck> offPeak, PeakHours peakHours) {
        this(id, currency, peak, offPeak, peakHours, Optional.empty());
    }

    /** This plan, with at most {@code cap} of PSTN calls a UTC day per user (settled and held). */
    public PricePlan withDailySpendCap(Money cap) {
        return new PricePlan(id, currency, peak, offPeak, peakHours, Optional.of(cap));
    }

    /** A plan with one price band. */
    public static PricePlan flat(String id, Currency currency, RateDeck prices) {
        return new PricePlan(id, currency, prices, Optional.empty(), PeakHours.always());
    }

    /** The retail rate of a call to {@code number} answered (or placed) at {@code at}, if the plan prices it. */
    public Optional<Rate> rateFor(PhoneNumber number, Instant at) {
        var day = at.atOffset(ZoneOffset.UTC).toLocalDate();
        if (offPeak.isPresent() && !peakHours.isPeak(at)) {
            Optional<Rate> cheaper = offPeak.get().lookup(number.digits(), day);
            if (cheaper.isPresent()) {
                return cheaper;
            }
        }
        return peak.lookup(number.digits(), day);
    }
}
