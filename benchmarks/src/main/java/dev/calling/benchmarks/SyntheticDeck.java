package dev.calling.benchmarks;

import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Rate;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Currency;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A rate deck of any size for benchmarks, the same for a given size and seed: prefixes under real
 * country codes, 2 to 9 digits long (most 5 to 7, as in carrier decks), a tenth of them taking
 * effect only after {@link #DAY} so lookups must skip lines not yet in effect. The shipped decks
 * have about 35 000 lines; this one scales to the 100 000 of a large carrier's full deck.
 */
public final class SyntheticDeck {

    /** The day benchmarks look numbers up on. */
    public static final LocalDate DAY = LocalDate.of(2026, 3, 1);

    private static final String[] COUNTRY_CODES = {"1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39",
        "40", "41", "43", "44", "45", "46", "47", "48", "49", "51", "52", "54", "55", "56", "57", "60", "61", "62",
        "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "94", "212", "213", "234", "254", "255",
        "351", "353", "358", "380", "420", "880", "966", "971", "972"};
    private static final BillingIncrement[] INCREMENTS = {
        BillingIncrement.PER_MINUTE, BillingIncrement.THIRTY_SIX, BillingIncrement.PER_SECOND};
    private static final Currency USD = Currency.getInstance("USD");

    private final List<Rate> rates;

    private SyntheticDeck(List<Rate> rates) {
        this.rates = List.copyOf(rates);
    }

    public static SyntheticDeck of(int prefixes, long seed) {
        Random random = new Random(seed);
        Set<String> seen = new LinkedHashSet<>();
        while (seen.size() < prefixes) {
            String cc = COUNTRY_CODES[random.nextInt(COUNTRY_CODES.length)];
            StringBuilder prefix = new StringBuilder(cc);
            int extra = 1 + random.nextInt(3) + random.nextInt(4); // 1..7, mostly 3..5
            for (int i = 0; i < extra; i++) {
                // NANP area codes and exchanges never start with 0 or 1
                boolean nanpLead = cc.equals("1") && (i == 0 || i == 3);
                prefix.append(nanpLead ? 2 + random.nextInt(8) : random.nextInt(10));
            }
            seen.add(prefix.toString());
        }
        List<Rate> rates = new ArrayList<>(prefixes);
        for (String prefix : seen) {
            LocalDate from = random.nextInt(10) == 0 ? DAY.plusMonths(3) : DAY.minusMonths(2);
            rates.add(new Rate(prefix, new Money(100 * (1 + random.nextInt(3000)), USD),
                    new Money(random.nextInt(4) == 0 ? 1000 : 0, USD), INCREMENTS[random.nextInt(INCREMENTS.length)],
                    from));
        }
        return new SyntheticDeck(rates);
    }

    public List<Rate> rates() {
        return rates;
    }

    /** Numbers (E.164 digits) inside the deck's ranges: a random line's prefix, filled up to 11–13 digits. */
    public String[] numbers(int count, long seed) {
        Random random = new Random(seed);
        String[] numbers = new String[count];
        for (int i = 0; i < count; i++) {
            StringBuilder number = new StringBuilder(rates.get(random.nextInt(rates.size())).prefix());
            int length = 11 + random.nextInt(3);
            while (number.length() < length) {
                number.append(random.nextInt(10));
            }
            numbers[i] = number.toString();
        }
        return numbers;
    }

    /** The deck as RateDeckCsv reads it. */
    public String csv() {
        StringBuilder csv = new StringBuilder(rates.size() * 48);
        csv.append("prefix,per_minute,connect_fee,currency,increment,effective_from\n");
        for (Rate rate : rates) {
            csv.append(rate.prefix()).append(',')
                    .append(rate.perMinute().toBigDecimal().toPlainString()).append(',')
                    .append(rate.connectFee().toBigDecimal().toPlainString()).append(',')
                    .append(rate.perMinute().currency().getCurrencyCode()).append(',')
                    .append(rate.increment()).append(',')
                    .append(rate.effectiveFrom()).append('\n');
        }
        return csv.toString();
    }
}
