package dev.calling.core.routing;

import dev.calling.core.money.Money;
import java.time.LocalDate;
import java.util.Objects;

/**
 * One line of a rate deck: the price of calls to numbers starting with {@code prefix} (E.164
 * digits without '+'), from {@code effectiveFrom} on.
 */
public record Rate(String prefix, Money perMinute, Money connectFee, BillingIncrement increment,
        LocalDate effectiveFrom) {

    public Rate {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty() || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("prefix must be E.164 digits: '" + prefix + "'");
        }
        Objects.requireNonNull(perMinute, "perMinute");
        Objects.requireNonNull(connectFee, "connectFee");
        Objects.requireNonNull(increment, "increment");
        Objects.requireNonNull(effectiveFrom, "effectiveFrom");
        if (perMinute.isNegative() || connectFee.isNegative()) {
            throw new IllegalArgumentException("rates cannot be negative: " + prefix);
        }
    }
}
