package dev.calling.core.charging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Rate;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The rating rules at their boundaries, for each billing increment scheme. */
class RatingTest {

    static Rate rate(String perMinute, String connectFee, String increment) {
        return new Rate("44", Money.of(perMinute, "USD"), Money.of(connectFee, "USD"), BillingIncrement.parse(increment),
                LocalDate.of(2026, 1, 1));
    }

    @ParameterizedTest(name = "{0} s at 0.60/min {1} + {2} connect = {3}")
    @CsvSource({
        // 60/60: whole minutes
        "0,   60/60, 0,    0",
        "1,   60/60, 0,    0.60",
        "59,  60/60, 0,    0.60",
        "60,  60/60, 0,    0.60",
        "61,  60/60, 0,    1.20",
        // 30/6: a 30 s first block, then 6 s blocks
        "0,   30/6,  0,    0",
        "1,   30/6,  0,    0.30",
        "30,  30/6,  0,    0.30",
        "31,  30/6,  0,    0.36",
        "59,  30/6,  0,    0.60",
        "60,  30/6,  0,    0.60",
        "61,  30/6,  0,    0.66",
        // 1/1: per second
        "0,   1/1,   0,    0",
        "1,   1/1,   0,    0.01",
        "59,  1/1,   0,    0.59",
        "60,  1/1,   0,    0.60",
        "61,  1/1,   0,    0.61",
        // the connect fee is charged once a call has any talk time, never for 0 s
        "0,   60/60, 0.15, 0",
        "1,   60/60, 0.15, 0.75",
        "61,  60/60, 0.15, 1.35",
        "1,   1/1,   0.15, 0.16"
    })
    void retailAmountsAtTheBoundaries(long seconds, String increment, String connectFee, String expected) {
        assertThat(Rating.retail(rate("0.60", connectFee, increment), seconds)).isEqualTo(Money.of(expected, "USD"));
    }

    @Test
    void retailIsRoundedHalfUpToCentsAndCostIsKeptToTheMicro() {
        Rate rate = rate("0.0125", "0", "1/1"); // 0.0125 per minute
        assertThat(Rating.cost(rate, 61)).isEqualTo(Money.of("0.012709", "USD")); // 0.01270833.. rounded up
        assertThat(Rating.retail(rate, 61)).isEqualTo(Money.of("0.01", "USD"));
        assertThat(Rating.retail(rate, 144)).isEqualTo(Money.of("0.03", "USD")); // 0.030 exactly
        assertThat(Rating.retail(rate, 120)).isEqualTo(Money.of("0.03", "USD")); // 0.025 -> half up
    }

    @Test
    void talkTimeCountsEveryStartedSecond() {
        Instant t = Instant.parse("2026-11-24T10:00:00Z");
        assertThat(Rating.talkSeconds(null, t)).isZero();
        assertThat(Rating.talkSeconds(t, t)).isZero();
        assertThat(Rating.talkSeconds(t, t.plusMillis(1))).isEqualTo(1);
        assertThat(Rating.talkSeconds(t, t.plusMillis(60_000))).isEqualTo(60);
        assertThat(Rating.talkSeconds(t, t.plusMillis(60_001))).isEqualTo(61);
    }

    @Test
    void theLongestAffordableCallIsWholeBlocksWithinTheMoney() {
        Rate perMinute = rate("0.60", "0.15", "60/60");
        assertThat(Rating.maxTalkSeconds(perMinute, Money.of("0.74", "USD"), 7200)).as("not even a minute").isZero();
        assertThat(Rating.maxTalkSeconds(perMinute, Money.of("0.75", "USD"), 7200)).isEqualTo(60);
        assertThat(Rating.maxTalkSeconds(perMinute, Money.of("1.94", "USD"), 7200)).isEqualTo(120);
        assertThat(Rating.maxTalkSeconds(perMinute, Money.of("1000", "USD"), 7200)).as("capped").isEqualTo(7200);

        Rate sixes = rate("0.60", "0", "30/6");
        long talk = Rating.maxTalkSeconds(sixes, Money.of("0.50", "USD"), 7200);
        assertThat(talk).isEqualTo(48);
        assertThat(Rating.retail(sixes, talk)).isLessThanOrEqualTo(Money.of("0.50", "USD"));
        assertThat(Rating.retail(sixes, talk + 1)).isGreaterThan(Money.of("0.50", "USD"));
    }
}
