package dev.calling.adapters.accounts;

import static dev.calling.adapters.dynamodb.Attributes.n;
import static dev.calling.adapters.dynamodb.Attributes.s;

import dev.calling.core.Page;
import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.Accounts;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.LedgerEntry.Kind;
import dev.calling.core.money.Money;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionInProgressException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * Prepaid accounts in the {@code accounts} table (partition key {@code userId}, sort key
 * {@code entryKey}). Per user, in one partition:
 * <ul>
 * <li>{@code ACCOUNT}: {@code balance} and {@code reserved} (micros), {@code currency}, and
 * {@code version}, which is also the number of ledger lines written so far;</li>
 * <li>{@code ledger#<seq>} (seq zero-padded to 19 digits, 1-based): one ledger line each, so a
 * Query with {@code begins_with(entryKey, "ledger#")} reads them in the order they were recorded,
 * which is the order in which {@code balanceAfter}/{@code reservedAfter} follow from each other
 * (the caller's {@code at} is stored but may go backwards when an old message is redelivered);</li>
 * <li>{@code ref#<KIND>#<reference>}: the idempotency marker of one top-up, reservation or
 * settlement, holding its amount (what a repeated reserve returns, what settle releases).</li>
 * </ul>
 * Every change is ONE {@code TransactWriteItems}: the account update guarded by its version (or by
 * {@code attribute_not_exists} for a new account), the marker put guarded by
 * {@code attribute_not_exists(entryKey)}, and the ledger line(s). If the marker's condition fails the
 * operation was done before (idempotent answer); if the account's fails another writer came first
 * and the operation is read and decided again after a jittered back-off, a bounded number of times.
 *
 * <p>The reads before a write are separate strongly consistent GetItems, not a snapshot. They are
 * ordered so that they still agree: markers are never changed or deleted, so a marker read
 * <em>after</em> the account that is absent was absent when the account was read (the account read
 * does not include that operation yet), and a reservation marker read <em>before</em> the account
 * is already included in it.
 */
public final class DynamoDbAccounts implements Accounts {

    static final String ACCOUNT_KEY = "ACCOUNT";
    static final String LEDGER_PREFIX = "ledger#";
    static final String MARKER_PREFIX = "ref#";
    static final int MAX_ATTEMPTS = 30;
    private static final long MAX_BACKOFF_MILLIS = 200;

    // Every transaction is [account update, marker put, ledger line(s)]; cancellation reasons come
    // back in that order.
    private static final int MARKER_ITEM = 1;

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final int ledgerPageSize;

    public DynamoDbAccounts(DynamoDbClient dynamoDb, String table) {
        this(dynamoDb, table, 500);
    }

    /** @param ledgerPageSize items per Query page when reading a ledger */
    public DynamoDbAccounts(DynamoDbClient dynamoDb, String table, int ledgerPageSize) {
        if (ledgerPageSize < 1) {
            throw new IllegalArgumentException("ledgerPageSize must be positive: " + ledgerPageSize);
        }
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.ledgerPageSize = ledgerPageSize;
    }

    @Override
    public Account account(String userId, Currency currency) {
        return readAccount(userId, currency).toAccount();
    }

    @Override
    public Account topUp(String userId, String topUpId, Money amount, Instant at) {
        if (amount.micros() <= 0) {
            throw new IllegalArgumentException("a top-up must be positive: " + amount);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            backOff(attempt);
            Stored account = readAccount(userId, amount.currency());
            Optional<Marker> earlier = marker(userId, Kind.TOP_UP, topUpId);
            if (earlier.isPresent()) {
                return repeatedTopUp(userId, topUpId, amount, earlier.get());
            }
            Stored next = account.next(account.balance + amount.micros(), account.reserved, 1);
            Outcome outcome = write(List.of(accountWrite(userId, account, next),
                    markerPut(userId, Kind.TOP_UP, topUpId, amount, at),
                    ledgerPut(userId, account.version + 1, Kind.TOP_UP, topUpId, amount.micros(), next, at)));
            switch (outcome) {
                case COMMITTED:
                    return next.toAccount();
                case ALREADY_DONE:
                    return repeatedTopUp(userId, topUpId, amount, marker(userId, Kind.TOP_UP, topUpId).orElseThrow());
                default:
                    break; // another writer came first: read again
            }
        }
        throw contention("top-up " + topUpId, userId);
    }

    private Account repeatedTopUp(String userId, String topUpId, Money amount, Marker earlier) {
        if (!earlier.amount().equals(amount)) {
            // Same id, different money: two different top-ups share an id, or a message was altered.
            // Swallowing it would lose money silently.
            throw new IllegalArgumentException("top-up " + topUpId + " of " + userId + " was recorded as "
                    + earlier.amount() + ", not " + amount);
        }
        return account(userId, amount.currency());
    }

    @Override
    public Optional<Money> reserve(String userId, String callId, Money wanted, Money minimum, Instant at) {
        if (wanted.isNegative() || minimum.isNegative() || minimum.compareTo(wanted) > 0) {
            throw new IllegalArgumentException("need 0 <= minimum <= wanted, got minimum " + minimum + ", wanted " + wanted);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            backOff(attempt);
            Stored account = readAccount(userId, wanted.currency());
            Optional<Marker> earlier = marker(userId, Kind.RESERVATION, callId);
            if (earlier.isPresent()) {
                return Optional.of(sameCurrency(earlier.get().amount(), wanted.currency()));
            }
            long available = account.balance - account.reserved;
            if (available < minimum.micros()) {
                return Optional.empty(); // nothing written: a later ask (after a top-up) may succeed
            }
            Money reserved = new Money(Math.min(available, wanted.micros()), wanted.currency());
            Stored next = account.next(account.balance, account.reserved + reserved.micros(), 1);
            Outcome outcome = write(List.of(accountWrite(userId, account, next),
                    markerPut(userId, Kind.RESERVATION, callId, reserved, at),
                    ledgerPut(userId, account.version + 1, Kind.RESERVATION, callId, reserved.micros(), next, at)));
            switch (outcome) {
                case COMMITTED:
                    return Optional.of(reserved);
                case ALREADY_DONE:
                    return Optional.of(marker(userId, Kind.RESERVATION, callId).orElseThrow().amount());
                default:
                    break;
            }
        }
        throw contention("reservation for call " + callId, userId);
    }

    @Override
    public boolean settle(String userId, String callId, Money charged, Instant at) {
        if (charged.isNegative()) {
            throw new IllegalArgumentException("a charge cannot be negative: " + charged);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            backOff(attempt);
            Optional<Marker> reservation = marker(userId, Kind.RESERVATION, callId);
            if (reservation.isEmpty()) {
                return false;
            }
            Money reserved = sameCurrency(reservation.get().amount(), charged.currency());
            if (charged.compareTo(reserved) > 0) {
                throw new IllegalArgumentException("call " + callId + " of " + userId + " cannot be charged " + charged
                        + ": only " + reserved + " was reserved");
            }
            Stored account = readAccount(userId, charged.currency());
            if (marker(userId, Kind.SETTLEMENT, callId).isPresent()) {
                return false;
            }
            long released = reserved.micros() - charged.micros();
            Stored next = account.next(account.balance - charged.micros(), account.reserved - reserved.micros(),
                    released > 0 ? 2 : 1);
            if (next.balance < 0 || next.reserved < 0) {
                // Cannot happen while every write goes through this class (reserved <= balance).
                throw new IllegalStateException("settling call " + callId + " would leave " + userId + " at balance "
                        + next.balance + ", reserved " + next.reserved + " micros");
            }
            List<TransactWriteItem> items = new ArrayList<>();
            items.add(accountWrite(userId, account, next));
            items.add(markerPut(userId, Kind.SETTLEMENT, callId, charged, at));
            // The settlement line shows the balance after the charge with the whole reservation still
            // held; the release line then frees the rest. Both lines belong to the same transaction.
            Stored afterCharge = released > 0 ? account.next(next.balance, next.reserved + released, 1) : next;
            items.add(ledgerPut(userId, account.version + 1, Kind.SETTLEMENT, callId, -charged.micros(), afterCharge, at));
            if (released > 0) {
                items.add(ledgerPut(userId, account.version + 2, Kind.RELEASE, callId, released, next, at));
            }
            switch (write(items)) {
                case COMMITTED:
                    return true;
                case ALREADY_DONE:
                    return false;
                default:
                    break;
            }
        }
        throw contention("settlement of call " + callId, userId);
    }

    @Override
    public List<LedgerEntry> ledger(String userId) {
        return dynamoDb.queryPaginator(r -> r.tableName(table).consistentRead(true).limit(ledgerPageSize)
                        .keyConditionExpression("userId = :u AND begins_with(entryKey, :ledger)")
                        .expressionAttributeValues(Map.of(":u", s(userId), ":ledger", s(LEDGER_PREFIX))))
                .items().stream().map(DynamoDbAccounts::ledgerEntry).toList();
    }

    /** Native DynamoDB paging backwards over the ledger lines; the cursor is the last line's {@code entryKey}. */
    @Override
    public Page<LedgerEntry> ledger(String userId, int limit, Optional<String> after) {
        after.ifPresent(key -> {
            if (!key.matches(LEDGER_PREFIX + "[0-9]{19}")) {
                throw new RequestRefused(Refusal.INVALID_REQUEST, "not a page cursor of this ledger");
            }
        });
        var response = dynamoDb.query(r -> {
            r.tableName(table).consistentRead(true).limit(limit).scanIndexForward(false)
                    .keyConditionExpression("userId = :u AND begins_with(entryKey, :ledger)")
                    .expressionAttributeValues(Map.of(":u", s(userId), ":ledger", s(LEDGER_PREFIX)));
            after.ifPresent(key -> r.exclusiveStartKey(key(userId, key)));
        });
        Optional<String> next = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                ? Optional.of(response.lastEvaluatedKey().get("entryKey").s()) : Optional.empty();
        return new Page<>(response.items().stream().map(DynamoDbAccounts::ledgerEntry).toList(), next);
    }

    // --- transactions ---------------------------------------------------------------------------

    private enum Outcome { COMMITTED, ALREADY_DONE, CONFLICT }

    private Outcome write(List<TransactWriteItem> items) {
        try {
            // A fresh token per attempt: if the SDK retries this very request after a lost response,
            // DynamoDB answers it as the success it was instead of failing on our own marker.
            dynamoDb.transactWriteItems(r -> r.transactItems(items).clientRequestToken(UUID.randomUUID().toString()));
            return Outcome.COMMITTED;
        } catch (TransactionCanceledException cancelled) {
            List<CancellationReason> reasons = cancelled.hasCancellationReasons() ? cancelled.cancellationReasons() : List.of();
            if (failedCondition(reasons, MARKER_ITEM)) {
                return Outcome.ALREADY_DONE;
            }
            boolean retryable = reasons.isEmpty() || reasons.stream().map(CancellationReason::code)
                    .allMatch(code -> code == null || code.equals("None") || code.equals("ConditionalCheckFailed")
                            || code.equals("TransactionConflict") || code.equals("ThrottlingError")
                            || code.equals("ProvisionedThroughputExceeded"));
            if (retryable) {
                return Outcome.CONFLICT; // the account's version moved, a concurrent transaction, throttling
            }
            throw cancelled;
        } catch (TransactionInProgressException inProgress) {
            return Outcome.CONFLICT;
        }
    }

    private static boolean failedCondition(List<CancellationReason> reasons, int index) {
        return reasons.size() > index && "ConditionalCheckFailed".equals(reasons.get(index).code());
    }

    private TransactWriteItem accountWrite(String userId, Stored current, Stored next) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":balance", n(next.balance));
        values.put(":reserved", n(next.reserved));
        values.put(":currency", s(next.currency.getCurrencyCode()));
        values.put(":next", n(next.version));
        String condition;
        if (current.version == 0) {
            condition = "attribute_not_exists(entryKey)";
        } else {
            condition = "version = :version";
            values.put(":version", n(current.version));
        }
        return TransactWriteItem.builder().update(Update.builder().tableName(table).key(key(userId, ACCOUNT_KEY))
                .updateExpression("SET balance = :balance, reserved = :reserved, currency = :currency, version = :next")
                .conditionExpression(condition).expressionAttributeValues(values).build()).build();
    }

    private TransactWriteItem markerPut(String userId, Kind kind, String reference, Money amount, Instant at) {
        Map<String, AttributeValue> item = new HashMap<>(key(userId, markerKey(kind, reference)));
        item.put("kind", s(kind.name()));
        item.put("reference", s(reference));
        item.put("amount", n(amount.micros()));
        item.put("currency", s(amount.currency().getCurrencyCode()));
        item.put("at", s(at.toString()));
        return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                .conditionExpression("attribute_not_exists(entryKey)").build()).build();
    }

    private TransactWriteItem ledgerPut(String userId, long sequence, Kind kind, String reference, long amount,
            Stored after, Instant at) {
        Map<String, AttributeValue> item = new HashMap<>(key(userId, ledgerKey(sequence)));
        item.put("sequence", n(sequence));
        item.put("kind", s(kind.name()));
        item.put("reference", s(reference));
        item.put("amount", n(amount));
        item.put("balanceAfter", n(after.balance));
        item.put("reservedAfter", n(after.reserved));
        item.put("currency", s(after.currency.getCurrencyCode()));
        item.put("at", s(at.toString()));
        // Redundant with the account's version condition; keeps a line from ever being overwritten.
        return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                .conditionExpression("attribute_not_exists(entryKey)").build()).build();
    }

    // --- reads ----------------------------------------------------------------------------------

    /** The account item, or a zero account at version 0; refuses another currency than the account's. */
    private Stored readAccount(String userId, Currency currency) {
        Map<String, AttributeValue> item = get(userId, ACCOUNT_KEY);
        if (item == null) {
            return new Stored(userId, 0, 0, currency, 0);
        }
        Currency stored = Currency.getInstance(item.get("currency").s());
        if (!stored.equals(currency)) {
            throw new IllegalArgumentException("account of " + userId + " is in " + stored + ", not " + currency);
        }
        return new Stored(userId, number(item, "balance"), number(item, "reserved"), stored, number(item, "version"));
    }

    private Optional<Marker> marker(String userId, Kind kind, String reference) {
        Map<String, AttributeValue> item = get(userId, markerKey(kind, reference));
        return item == null ? Optional.empty()
                : Optional.of(new Marker(new Money(number(item, "amount"), Currency.getInstance(item.get("currency").s()))));
    }

    private Map<String, AttributeValue> get(String userId, String entryKey) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(userId, entryKey))).item();
        return item == null || item.isEmpty() ? null : item;
    }

    private static LedgerEntry ledgerEntry(Map<String, AttributeValue> item) {
        Currency currency = Currency.getInstance(item.get("currency").s());
        return new LedgerEntry(item.get("userId").s(), Kind.valueOf(item.get("kind").s()), item.get("reference").s(),
                new Money(number(item, "amount"), currency), new Money(number(item, "balanceAfter"), currency),
                new Money(number(item, "reservedAfter"), currency), Instant.parse(item.get("at").s()));
    }

    private static Money sameCurrency(Money stored, Currency asked) {
        if (!stored.currency().equals(asked)) {
            throw new IllegalArgumentException("cannot mix " + stored.currency() + " and " + asked);
        }
        return stored;
    }

    // --- keys, values, back-off -----------------------------------------------------------------

    static String ledgerKey(long sequence) {
        return LEDGER_PREFIX + String.format("%019d", sequence);
    }

    static String markerKey(Kind kind, String reference) {
        return MARKER_PREFIX + kind.name() + "#" + reference;
    }

    private static Map<String, AttributeValue> key(String userId, String entryKey) {
        return Map.of("userId", s(userId), "entryKey", s(entryKey));
    }

    private static long number(Map<String, AttributeValue> item, String name) {
        return Long.parseLong(item.get(name).n());
    }

    /** Full jitter: a random wait up to an exponentially growing cap; none before the first attempt. */
    private static void backOff(int attempt) {
        if (attempt == 0) {
            return;
        }
        long cap = Math.min(MAX_BACKOFF_MILLIS, 2L << Math.min(attempt, 20));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, cap + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying an account write", e);
        }
    }

    private static IllegalStateException contention(String what, String userId) {
        return new IllegalStateException(what + " of " + userId + " lost to concurrent writers " + MAX_ATTEMPTS
                + " times; try again later");
    }

    private record Marker(Money amount) {}

    /** The ACCOUNT item as read (or as it will be after a write). */
    private record Stored(String userId, long balance, long reserved, Currency currency, long version) {

        Stored next(long newBalance, long newReserved, int ledgerLines) {
            return new Stored(userId, newBalance, newReserved, currency, version + ledgerLines);
        }

        Account toAccount() {
            return new Account(userId, new Money(balance, currency), new Money(reserved, currency));
        }
    }
}
