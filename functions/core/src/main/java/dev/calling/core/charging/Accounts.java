package dev.calling.core.charging;

import dev.calling.core.Page;
import dev.calling.core.money.Money;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

/**
 * Port: prepaid accounts and their ledgers. Every operation is idempotent on its reference (the
 * top-up id, the call id) so that a redelivered message repeats nothing, and atomic (balance,
 * reserved and the ledger line change together or not at all).
 */
public interface Accounts {

    /** The account, or a zero account in {@code currency} for a user who never topped up. */
    Account account(String userId, Currency currency);

    /** Adds money. A second top-up with the same {@code topUpId} changes nothing. */
    Account topUp(String userId, String topUpId, Money amount, Instant at);

    /**
     * Reserves money for call {@code callId}: {@code wanted}, or all that is available if less,
     * provided at least {@code minimum} is available; otherwise nothing is reserved. Asking again
     * for the same call returns the reservation made the first time (whatever is asked).
     *
     * @return the amount reserved for the call, or empty when less than {@code minimum} was available
     */
    default Optional<Money> reserve(String userId, String callId, Money wanted, Money minimum, Instant at) {
        return reserve(userId, callId, wanted, minimum, at, Limits.NONE) instanceof Reservation.Reserved reserved
                ? Optional.of(reserved.amount()) : Optional.empty();
    }

    /**
     * What one account may commit at once: PSTN calls holding money at the same time ({@code openCalls}), and
     * money spent in a UTC day ({@code dailySpend}: settled that day plus what is held now, in the account's
     * currency). Checked in the same conditional write as the reservation, so concurrent reservations cannot
     * pass a limit together; they come back as holds end (a settlement or a release, by any path).
     */
    record Limits(int openCalls, Optional<Money> dailySpend) {
        public static final Limits NONE = new Limits(Integer.MAX_VALUE, Optional.empty());

        public Limits {
            if (openCalls < 1) {
                throw new IllegalArgumentException("at least one call must be allowed: " + openCalls);
            }
            dailySpend.ifPresent(cap -> {
                if (cap.isNegative()) {
                    throw new IllegalArgumentException("a daily spend cap cannot be negative: " + cap);
                }
            });
        }
    }

    /** What a reservation came to. */
    sealed interface Reservation {
        /** Held for the call (the first time, or found held by an earlier ask). */
        record Reserved(Money amount) implements Reservation {}

        /** Less than the minimum is available: nothing held. */
        record InsufficientFunds(Money available) implements Reservation {}

        /** The account holds money for {@code open} calls already, as many as its limit allows: nothing held. */
        record TooManyCalls(int open) implements Reservation {}

        /** Spent today and held leave less than the minimum under the daily cap: nothing held. */
        record DailySpendReached(Money spentAndHeld, Money cap) implements Reservation {}
    }

    /**
     * {@link #reserve(String, String, Money, Money, Instant)} within {@code limits}: what the daily cap leaves
     * bounds the reservation as the balance does (all that is left if less than {@code wanted}, provided at least
     * {@code minimum}). A call already holding money gets its reservation back whatever the limits say now.
     */
    Reservation reserve(String userId, String callId, Money wanted, Money minimum, Instant at, Limits limits);

    /**
     * Ends call {@code callId}'s reservation: {@code charged} (at most what was reserved) leaves the
     * balance, the rest is released. Exactly once per call: settling a call that was settled
     * already, or that has no reservation, changes nothing and returns false.
     */
    boolean settle(String userId, String callId, Money charged, Instant at);

    /**
     * Releases whatever is still reserved for call {@code callId}, charging nothing: how a call that
     * ended uncharged (it was routed otherwise when its request was handled again) gives back money
     * reserved for it by an earlier try. Exactly once, as {@link #settle}; false when nothing was held.
     */
    boolean release(String userId, String callId, Instant at);

    /**
     * Call {@code callId}'s charge was revised down to {@code charge} (the carrier says the call ended
     * earlier than it was billed): gives back what its settlement took above {@code charge}. Exactly once
     * per call, whatever {@code charge} a later revision names; nothing when the settlement took no more.
     *
     * @return true if this call gave money back
     * @throws IllegalStateException while the call's money is still reserved: a refund only follows its
     *     settlement, so the caller tries again later (whichever settles first, the refund is right)
     */
    boolean refund(String userId, String callId, Money charge, Instant at);

    /**
     * An operator's money movement: a top-up ({@link LedgerEntry.Kind#TOP_UP}, positive) or an adjustment
     * ({@link LedgerEntry.Kind#ADJUSTMENT}: a credit, positive, or a debit, negative), with its {@code note}
     * (why, and which operator). Idempotent on {@code id} per kind (the id space of app top-ups is the same for
     * operator top-ups): recorded once; asked again with the same amount and reason, the account is returned as it
     * is ({@link Adjusted.Applied#repeated()}); with another amount or reason, {@link Adjusted.IdReused} and
     * nothing is written. A debit never takes more than is {@linkplain Account#available() available}.
     */
    Adjusted adjust(String userId, Adjustment adjustment);

    /** One operator money movement, as {@link #adjust} records it. */
    record Adjustment(LedgerEntry.Kind kind, String id, Money amount, LedgerEntry.Note note, Instant at) {
        public Adjustment {
            java.util.Objects.requireNonNull(kind, "kind");
            java.util.Objects.requireNonNull(id, "id");
            java.util.Objects.requireNonNull(amount, "amount");
            java.util.Objects.requireNonNull(note, "note");
            java.util.Objects.requireNonNull(at, "at");
            if (kind != LedgerEntry.Kind.TOP_UP && kind != LedgerEntry.Kind.ADJUSTMENT) {
                throw new IllegalArgumentException("an operator records top-ups and adjustments only, not " + kind);
            }
            if (amount.micros() == 0 || (kind == LedgerEntry.Kind.TOP_UP && amount.isNegative())) {
                throw new IllegalArgumentException("a " + kind + " of " + amount + " moves no money or the wrong way");
            }
        }
    }

    /** What an operator's money movement came to. */
    sealed interface Adjusted {
        /** Recorded now, or found recorded with the same amount and reason ({@code repeated}). */
        record Applied(Account account, boolean repeated) implements Adjusted {}

        /** The id was used for another amount or reason (what was recorded is told): nothing written. */
        record IdReused(Money recordedAmount, String recordedReason) implements Adjusted {}

        /** A debit larger than what is available: nothing written. */
        record NotAvailable(Money available) implements Adjusted {}
    }

    /** The ledger, oldest first. */
    List<LedgerEntry> ledger(String userId);

    /** One page of the ledger, newest first; {@code after} is the previous page's {@link Page#next()}. */
    Page<LedgerEntry> ledger(String userId, int limit, Optional<String> after);
}
