package dev.calling.core.operator;

import dev.calling.core.app.PlaceCall;
import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.Accounts;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.LedgerEntry.Kind;
import dev.calling.core.money.Money;
import java.time.Clock;
import java.util.Currency;
import java.util.Objects;

/**
 * An operator's money movements on a user's prepaid account: a top-up, or an adjustment (a credit, or a debit
 * such as taking back a goodwill credit). Each is one ledger line with its reason and the operator's identity,
 * idempotent on the operator's id for it: sent again with the same amount and reason it is applied once; with
 * another amount or reason it is refused ({@link Refusal#OPERATION_ID_REUSED}) and nothing changes. A debit never
 * takes more than is available (the balance less what calls in progress hold), so no call loses money it holds.
 */
public final class AccountAdjustments {

    /** A reason is a sentence or two for the user's ledger, not a document. */
    public static final int MAX_REASON_LENGTH = 500;

    private final Accounts accounts;
    private final Currency currency;
    private final Clock clock;

    /** @param currency the currency accounts are kept in (the price plan's) */
    public AccountAdjustments(Accounts accounts, Currency currency, Clock clock) {
        this.accounts = Objects.requireNonNull(accounts);
        this.currency = Objects.requireNonNull(currency);
        this.clock = Objects.requireNonNull(clock);
    }

    /** What an operator's request came to: the account after it, and whether it had been applied before. */
    public record Applied(String userId, Kind kind, String id, Money amount, Account account, boolean repeated) {}

    /** Adds {@code amount} (positive) to the account. */
    public Applied topUp(String by, String userId, String id, Money amount, String reason) {
        if (amount.isNegative() || amount.micros() == 0) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "a top-up amount must be positive");
        }
        return apply(Kind.TOP_UP, by, userId, id, amount, reason);
    }

    /** Credits ({@code amount} positive) or debits (negative) the account. */
    public Applied adjust(String by, String userId, String id, Money amount, String reason) {
        if (amount.micros() == 0) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "an adjustment amount must not be zero");
        }
        return apply(Kind.ADJUSTMENT, by, userId, id, amount, reason);
    }

    private Applied apply(Kind kind, String by, String userId, String id, Money amount, String reason) {
        if (by == null || by.isBlank()) {
            throw new IllegalArgumentException("an operator's identity is required"); // the authorizer's, never the body's
        }
        PlaceCall.requireId("userId", userId);
        if (id == null) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "an id for the operation is required (Idempotency-Key)");
        }
        PlaceCall.requireId("id", id);
        if (!amount.currency().equals(currency)) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "accounts are kept in " + currency.getCurrencyCode()
                    + ", not " + amount.currency().getCurrencyCode());
        }
        String why = requireReason(reason);
        Accounts.Adjusted result = accounts.adjust(userId,
                new Accounts.Adjustment(kind, id, amount, new LedgerEntry.Note(why, by), clock.instant()));
        if (result instanceof Accounts.Adjusted.Applied applied) {
            return new Applied(userId, kind, id, amount, applied.account(), applied.repeated());
        }
        if (result instanceof Accounts.Adjusted.NotAvailable short_) {
            throw new RequestRefused(Refusal.INSUFFICIENT_AVAILABLE_BALANCE, "the debit is more than the "
                    + short_.available() + " available (the balance less what calls in progress hold); nothing changed");
        }
        throw new RequestRefused(Refusal.OPERATION_ID_REUSED, "id " + id + " was used for a " + kind
                + " of another amount or reason; use a new id for a new operation");
    }

    /** The reason, stripped: required, short, one line of text (it is shown to the user and kept for audit). */
    static String requireReason(String reason) {
        String why = reason == null ? "" : reason.strip();
        if (why.isEmpty() || why.length() > MAX_REASON_LENGTH || why.chars().anyMatch(Character::isISOControl)) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "a reason of 1-" + MAX_REASON_LENGTH
                    + " characters without control characters is required");
        }
        return why;
    }
}
