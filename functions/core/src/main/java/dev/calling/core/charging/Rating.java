package dev.calling.core.charging;

import dev.calling.core.money.Money;
import dev.calling.core.routing.Rate;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * How a call is priced from a {@link Rate}, retail (what the caller pays) and cost (what the
 * carrier charges us). The rules, so that any amount can be recomputed from the stored record:
 * <ol>
 *   <li>Talk time is answer to end in whole seconds, any started second counting (1.2 s is 2 s).</li>
 *   <li>A call with no talk time costs nothing, not even the connect fee.</li>
 *   <li>Billable seconds are talk time rounded up to the rate's increment (60/60, 30/6, 1/1 ...).</li>
 *   <li>Amount = connect fee + per-minute price × billable seconds / 60, computed exactly in
 *       micro-units and rounded up to a whole micro-unit.</li>
 *   <li>Retail amounts are then rounded half-up to the currency's minor unit (cents for USD);
 *       carrier costs stay in micro-units, as carriers invoice them.</li>
 * </ol>
 */
public final class Rating {

    private static final BigDecimal SIXTY = BigDecimal.valueOf(60);

    private Rating() {}

    /** Talk time in whole seconds, any started second counting; 0 when never answered. */
    public static long talkSeconds(Instant answeredAt, Instant endedAt) {
        if (answeredAt == null || endedAt == null || !endedAt.isAfter(answeredAt)) {
            return 0;
        }
        long millis = Duration.between(answeredAt, endedAt).toMillis();
        return (millis + 999) / 1000;
    }

    /** What the caller pays for {@code talkSeconds} at {@code rate}, in the currency's minor unit. */
    public static Money retail(Rate rate, long talkSeconds) {
        Money exact = cost(rate, talkSeconds);
        int minorDigits = Math.max(0, exact.currency().getDefaultFractionDigits());
        BigDecimal rounded = exact.toBigDecimal().setScale(minorDigits, RoundingMode.HALF_UP);
        return Money.of(rounded.toPlainString(), exact.currency());
    }

    /** What the carrier charges for {@code talkSeconds} at {@code rate}, to the micro-unit. */
    public static Money cost(Rate rate, long talkSeconds) {
        long billable = rate.increment().billableSeconds(talkSeconds);
        if (billable == 0) {
            return Money.zero(rate.perMinute().currency());
        }
        BigDecimal time = BigDecimal.valueOf(rate.perMinute().micros()).multiply(BigDecimal.valueOf(billable))
                .divide(SIXTY, 0, RoundingMode.CEILING);
        return new Money(Math.addExact(rate.connectFee().micros(), time.longValueExact()), rate.perMinute().currency());
    }

    /**
     * The longest talk time, at most {@code capSeconds}, whose retail price is within
     * {@code available}: a whole number of billing blocks, or 0 when not even the first block
     * (with the connect fee) is affordable.
     */
    public static long maxTalkSeconds(Rate rate, Money available, long capSeconds) {
        long first = rate.increment().firstSeconds();
        long next = rate.increment().nextSeconds();
        if (capSeconds < first || retail(rate, first).compareTo(available) > 0) {
            return 0;
        }
        long low = 0;
        long high = (capSeconds - first) / next; // blocks after the first
        while (low < high) {
            long mid = low + (high - low + 1) / 2;
            if (retail(rate, first + mid * next).compareTo(available) <= 0) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return first + low * next;
    }
}
