package dev.calling.core.app;

import dev.calling.core.Page;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.Accounts;
import dev.calling.core.charging.LedgerEntry;
import java.util.Currency;
import java.util.Objects;
import java.util.Optional;

/** What an app user can see of their prepaid account: the balance and the ledger, newest first. */
public final class MyAccount {

    private final Accounts accounts;
    private final Currency currency;

    /** @param currency the currency accounts are kept in (the price plan's) */
    public MyAccount(Accounts accounts, Currency currency) {
        this.accounts = Objects.requireNonNull(accounts);
        this.currency = Objects.requireNonNull(currency);
    }

    public Account balance(String userId) {
        return accounts.account(userId, currency);
    }

    public Page<LedgerEntry> ledger(String userId, int limit, Optional<String> after) {
        if (limit < 1 || limit > CallControl.MAX_PAGE) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "limit must be between 1 and " + CallControl.MAX_PAGE);
        }
        return accounts.ledger(userId, limit, after);
    }
}
