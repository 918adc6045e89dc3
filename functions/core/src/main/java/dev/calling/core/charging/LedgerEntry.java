package dev.calling.core.charging;

import dev.calling.core.money.Money;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of a prepaid account's append-only ledger. {@code amount} is signed as it moves the
 * balance: a top-up is positive, a settlement negative; a reservation and its release move money
 * between available and reserved and leave the balance alone ({@code amount} is what was
 * reserved or released); a refund gives back part of a call's settlement (positive). {@code reference}
 * is the top-up id or the call id, and makes each entry idempotent: one top-up per id, one
 * reservation, one settlement, one release and one refund per call. An operator's line (a top-up or an
 * {@code ADJUSTMENT}, credit positive or debit negative, referenced by the operator's id for it) carries a
 * {@link Note}: why, and which operator. The user is shown the reason, never the operator.
 */
public record LedgerEntry(String userId, Kind kind, String reference, Money amount, Money balanceAfter,
        Money reservedAfter, Instant at, Optional<Note> note) {

    public enum Kind { TOP_UP, RESERVATION, SETTLEMENT, RELEASE, REFUND, ADJUSTMENT }

    /** Why an operator moved money ({@code reason}, shown to the user) and who did ({@code by}, kept for audit). */
    public record Note(String reason, String by) {
        public Note {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(by, "by");
        }
    }

    /** A line without a note: the system's own (calls, payments). */
    public LedgerEntry(String userId, Kind kind, String reference, Money amount, Money balanceAfter,
            Money reservedAfter, Instant at) {
        this(userId, kind, reference, amount, balanceAfter, reservedAfter, at, Optional.empty());
    }

    public LedgerEntry {
        Objects.requireNonNull(note, "note");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(balanceAfter, "balanceAfter");
        Objects.requireNonNull(reservedAfter, "reservedAfter");
        Objects.requireNonNull(at, "at");
    }
}
