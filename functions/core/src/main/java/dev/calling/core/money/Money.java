package dev.calling.core.money;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.Objects;

/**
 * An amount of money as a whole number of micro-units (millionths) of a currency: exact, cheap
 * to add, and fine enough for carrier rates such as 0.0123 per minute. Never a double.
 */
public record Money(long micros, Currency currency) implements Comparable<Money> {

    public static final long MICROS_PER_UNIT = 1_000_000L;

    public Money {
        Objects.requireNonNull(currency, "currency");
    }

    public static Money zero(Currency currency) {
        return new Money(0, currency);
    }

    /** Parses a decimal amount such as {@code "0.0123"}; more than six decimals is refused, not rounded. */
    public static Money of(String amount, Currency currency) {
        BigDecimal value = new BigDecimal(amount.trim());
        try {
            return new Money(value.movePointRight(6).setScale(0, RoundingMode.UNNECESSARY).longValueExact(), currency);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("amount needs more than 6 decimals or is too large: " + amount, e);
        }
    }

    public static Money of(String amount, String currencyCode) {
        return of(amount, Currency.getInstance(currencyCode));
    }

    public Money plus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.addExact(micros, other.micros), currency);
    }

    public Money minus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.subtractExact(micros, other.micros), currency);
    }

    public Money times(long factor) {
        return new Money(Math.multiplyExact(micros, factor), currency);
    }

    public boolean isNegative() {
        return micros < 0;
    }

    public BigDecimal toBigDecimal() {
        return BigDecimal.valueOf(micros, 6);
    }

    @Override
    public int compareTo(Money other) {
        requireSameCurrency(other);
        return Long.compare(micros, other.micros);
    }

    private void requireSameCurrency(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot mix " + currency + " and " + other.currency);
        }
    }

    @Override
    public String toString() {
        BigDecimal amount = toBigDecimal().stripTrailingZeros();
        int minorDigits = Math.max(0, currency.getDefaultFractionDigits());
        if (amount.scale() < minorDigits) {
            amount = amount.setScale(minorDigits);
        }
        return amount.toPlainString() + " " + currency.getCurrencyCode();
    }
}
