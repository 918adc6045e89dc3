package dev.calling.core.charging;

import dev.calling.core.money.Money;
import java.time.Instant;
import java.util.Objects;

/**
 * One line of a prepaid account's append-only ledger. {@code amount} is signed as it moves the
 * balance: a top-up is positive, a settlement negative; a reservation and its release move money
 * between available and reserved and leave the balance alone ({@code amount} is what was
 * reserved or released); a refund gives back part of a call's settlement (positive). {@code reference}
 * is the top-up id or the call id, and makes each entry idempotent: one top-up per id, one
 * reservation, one settlement, one release and one refund per call.
 */
public record LedgerEntry(String userId, Kind kind, String reference, Money amount, Money balanceAfter,
        Money reservedAfter, Instant at) {

    public enum Kind { TOP_UP, RESERVATION, SETTLEMENT, RELEASE, REFUND }

    public LedgerEntry {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(balanceAfter, "balanceAfter");
        Objects.requireNonNull(reservedAfter, "reservedAfter");
        Objects.requireNonNull(at, "at");
    }
}
