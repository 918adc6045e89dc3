package dev.calling.core.charging;

import dev.calling.core.money.Money;
import java.util.Objects;

/**
 * A prepaid account: the {@code balance} (money paid in minus calls settled) and the part of it
 * {@code reserved} by calls in progress. New calls can only reserve what is {@linkplain #available()
 * available}, so concurrent calls cannot spend the same money twice.
 */
public record Account(String userId, Money balance, Money reserved) {

    public Account {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(balance, "balance");
        Objects.requireNonNull(reserved, "reserved");
    }

    public Money available() {
        return balance.minus(reserved);
    }
}
