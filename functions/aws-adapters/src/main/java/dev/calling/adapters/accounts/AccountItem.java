package dev.calling.adapters.accounts;

import dev.calling.core.charging.Account;
import dev.calling.core.charging.LedgerEntry.Kind;
import dev.calling.core.money.Money;
import java.time.Instant;
import java.util.Collections;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The {@code ACCOUNT} item as read (strongly consistent), or a zero account when there is none.
 *
 * @param exists whether the item exists (else the first write creates it)
 * @param version the number of ledger lines recorded so far; every money movement adds one or two
 * @param holds call id to micros reserved, for the user's open reservations; null when the item has
 *     no {@code holds} attribute (none yet, or written before there were holds) and nothing is reserved;
 *     for an item written before there were holds with money reserved, the holds its markers show
 * @param holdsStored whether {@code holds} is the item's own attribute (else the next write stores the whole map)
 * @param pending the lines recorded in the item whose {@code ledger#} item or marker may not be
 *     written yet, by sequence; null when the item has no {@code pending} attribute
 * @param holdTimes call id to when its hold was made (epoch millis); null when the item has no
 *     {@code holdTimes} attribute (written before hold times were kept). A hold may lack its time
 *     (made by a writer that kept none): the next write gives it that write's time
 * @param holdShard the item's partition in the holds index as stored, or null (not listed)
 * @param oldestHold the item's sort key in the holds index as stored, or null (not listed)
 * @param spendDay the UTC day ({@code 2026-12-05}) of the last settlement that charged money, or null
 * @param spentOnDay micros charged by settlements on {@code spendDay}
 */
record AccountItem(String userId, boolean exists, long balance, long reserved, Currency currency, long version,
        Map<String, Long> holds, boolean holdsStored, SortedMap<Long, LedgerLine> pending, Map<String, Long> holdTimes,
        String holdShard, String oldestHold, String spendDay, long spentOnDay) {

    static AccountItem none(String userId, Currency currency) {
        return new AccountItem(userId, false, 0, 0, currency, 0, null, false, null, null, null, null, null, 0);
    }

    /** Micros charged by settlements on UTC day {@code day}. */
    long spentOn(String day) {
        return day.equals(spendDay) ? spentOnDay : 0;
    }

    /** This item with the holds an item written before there were holds has (read from its markers). */
    AccountItem withLegacyHolds(Map<String, Long> legacy) {
        return new AccountItem(userId, exists, balance, reserved, currency, version, Collections.unmodifiableMap(legacy),
                false, pending, holdTimes, holdShard, oldestHold, spendDay, spentOnDay);
    }

    static AccountItem from(String userId, Map<String, AttributeValue> item) {
        Map<String, Long> holds = null;
        if (item.containsKey("holds")) {
            holds = new HashMap<>();
            for (var hold : item.get("holds").m().entrySet()) {
                holds.put(hold.getKey(), Long.parseLong(hold.getValue().n()));
            }
        }
        SortedMap<Long, LedgerLine> pending = null;
        if (item.containsKey("pending")) {
            pending = new TreeMap<>();
            for (var line : item.get("pending").m().entrySet()) {
                LedgerLine parsed = LedgerLine.fromPending(line.getKey(), line.getValue());
                pending.put(parsed.sequence(), parsed);
            }
        }
        Map<String, Long> holdTimes = null;
        if (item.containsKey("holdTimes")) {
            holdTimes = new HashMap<>();
            for (var time : item.get("holdTimes").m().entrySet()) {
                holdTimes.put(time.getKey(), Long.parseLong(time.getValue().n()));
            }
        }
        return new AccountItem(userId, true, number(item, "balance"), number(item, "reserved"),
                Currency.getInstance(item.get("currency").s()), number(item, "version"),
                holds == null ? null : Collections.unmodifiableMap(holds), holds != null,
                pending == null ? null : Collections.unmodifiableSortedMap(pending),
                holdTimes == null ? null : Collections.unmodifiableMap(holdTimes),
                string(item, "holdShard"), string(item, "oldestHold"), string(item, "spendDay"),
                item.containsKey("spentOnDay") ? number(item, "spentOnDay") : 0);
    }

    /** When the hold of {@code callId} was made, if the item knows. */
    Optional<Instant> holdTime(String callId) {
        return holdTimes == null || !holdTimes.containsKey(callId) ? Optional.empty()
                : Optional.of(Instant.ofEpochMilli(holdTimes.get(callId)));
    }

    Optional<Money> hold(String callId) {
        return holds == null || !holds.containsKey(callId) ? Optional.empty()
                : Optional.of(new Money(holds.get(callId), currency));
    }

    int openReservations() {
        return holds == null ? 0 : holds.size();
    }

    SortedMap<Long, LedgerLine> pendingLines() {
        return pending == null ? Collections.emptySortedMap() : pending;
    }

    Optional<LedgerLine> pendingLine(Kind kind, String reference) {
        return pendingLines().values().stream().filter(line -> line.is(kind, reference)).findFirst();
    }

    long available() {
        return balance - reserved;
    }

    Account toAccount() {
        return new Account(userId, new Money(balance, currency), new Money(reserved, currency));
    }

    private static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static long number(Map<String, AttributeValue> item, String name) {
        return Long.parseLong(item.get(name).n());
    }
}
