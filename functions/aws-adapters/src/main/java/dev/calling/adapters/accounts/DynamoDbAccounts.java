package dev.calling.adapters.accounts;

import static dev.calling.adapters.accounts.LedgerLine.LEDGER_PREFIX;
import static dev.calling.adapters.accounts.LedgerLine.MARKER_PREFIX;
import static dev.calling.adapters.accounts.LedgerLine.ledgerKey;
import static dev.calling.adapters.accounts.LedgerLine.markerKey;
import static dev.calling.adapters.dynamodb.Attributes.n;
import static dev.calling.adapters.dynamodb.Attributes.s;

import dev.calling.adapters.Resources;
import dev.calling.adapters.dynamodb.Backoff;
import dev.calling.core.Page;
import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.Accounts;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.LedgerEntry.Kind;
import dev.calling.core.money.Money;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Prepaid accounts in the {@code accounts} table (partition key {@code userId}, sort key
 * {@code entryKey}), moved with single-item conditional writes only (no transactions). Per user, in
 * one partition:
 * <ul>
 * <li>{@code ACCOUNT}: {@code balance} and {@code reserved} (micros), {@code currency},
 * {@code version} (the number of ledger lines recorded so far), {@code holds} (call id to the
 * micros reserved for it, one entry per open reservation) and {@code pending} (sequence number to
 * ledger line: the lines recorded by the last write whose own items may not be written yet),
 * {@code holdTimes} (call id to when its hold was made, epoch millis: the reservation's {@code at})
 * and, while any hold is open, {@code holdShard} ({@code h00}..{@code h15}, from the user id) and
 * {@code oldestHold} (the oldest hold's time, epoch millis as 13 digits): the keys of the sparse,
 * keys-only {@code holds-index} (see {@link Resources#ACCOUNTS}), through which the sweeper finds
 * holds older than any call can be ({@link #holdsOlderThan}) without scanning the table. All of
 * them are set in the same write that adds or removes a hold, from the account as read.
 * Written only by UpdateItem, guarded by {@code version} (by {@code attribute_not_exists} when
 * new), except the removal of pending lines, which changes no money and no version;</li>
 * <li>{@code ledger#<seq>} (seq zero-padded to 19 digits, 1-based): one ledger line each, in the
 * order recorded, which is the order in which {@code balanceAfter}/{@code reservedAfter} follow
 * from each other (the caller's {@code at} is stored but may go backwards when an old message is
 * redelivered);</li>
 * <li>{@code ref#TOP_UP#<id>}, {@code ref#RESERVATION#<callId>}, {@code ref#SETTLEMENT#<callId>},
 * {@code ref#REFUND#<callId>}, {@code ref#ADJUSTMENT#<id>}: markers remembering for good that a top-up,
 * reservation, settlement, refund or operator's adjustment was done, with its amount and line sequence (and, for an
 * operator's line, its {@code reason} and {@code by}). Never changed or deleted.</li>
 * </ul>
 *
 * <p><b>Every operation</b> (1) reads ACCOUNT strongly consistently and writes the {@code ledger#}
 * item and marker of every pending line ({@code attribute_not_exists}: one already there is fine);
 * (2) decides whether it was done already; (3) if not, records its money movement with ONE
 * UpdateItem of ACCOUNT guarded by the version it read: new balance, reserved and version, the hold
 * added (reserve) or removed (settle), its line(s) put in {@code pending} and the pending lines
 * written in step 1 removed; a failed condition means another writer came first, and the operation
 * starts again after a jittered back-off, a bounded number of times; (4) writes its own lines' items
 * and marker, then removes them from {@code pending} (an unguarded REMOVE, so it never fails a
 * concurrent writer; it is also how step 1 ends when the operation writes nothing else).
 *
 * <p><b>Exactly once.</b> The money moves in step 3 only, one conditional write, so a movement is
 * either recorded with its lines or not at all, and two writers that read the same version cannot
 * both record. An operation was done iff its line is in {@code pending} at the read of step 1, or
 * its marker exists when read after it: a marker is written before its line leaves
 * {@code pending}, so a line not pending at the account read and no marker read afterwards means
 * not done at that version; if it gets done concurrently the version moves and our write fails.
 * For a reservation, the hold answers first (it exists from the reservation's write until the
 * settlement's). A refund follows a settlement only (refused while the hold is there) and gives back
 * what the settlement line took above the revised charge, once (its marker). A settlement's idempotency is the hold: no hold, nothing to settle (never
 * reserved, or settled already), and a reservation redelivered after its settlement finds its
 * marker and reserves nothing. A settle whose own write landed but whose answer was lost (the SDK
 * retried and met its own version) recognises its line by the {@code writer} token and still
 * answers true, once.
 *
 * <p><b>Crash repair.</b> Whatever dies after step 3 leaves the money moved once and the lines in
 * {@code pending}; the next operation on the account, or the redelivery of the same one, writes the
 * missing items in its step 1. {@link #ledger} merges pending lines in (by sequence, without
 * duplicates), reading the account before the lines, so a balance is never seen without its line.
 *
 * <p><b>Bounded item.</b> ACCOUNT holds one {@code holds} entry per call in progress (at most
 * {@value #MAX_OPEN_RESERVATIONS}) and at most two pending lines (those of the last write: each
 * write removes the lines it found), so it does not grow with the ledger; with a few calls in
 * progress it stays under 1 KB.
 *
 * <p><b>Cost</b> (items up to 1 KB; a transaction costs 2 WCU per item): a top-up or a reservation
 * is account update + line + marker + pending removal = 4 WCU (was 3 items in a transaction = 6);
 * a settlement with a release is account update + 2 lines + its marker + removal = 5 WCU (was 4 items
 * = 8), without a release 4 (was 6); a refund, as a top-up, 4. Reads: 2 strongly consistent GetItems for a top-up or a new
 * reservation (account, marker), 1 for a settlement (was 3). Repair costs one conditional put per
 * missing item. Each UpdateItem of ACCOUNT is charged on the item's size, which grows by about
 * 110 bytes per call in progress (its hold and its time). The holds index adds no request: a user's
 * first hold puts the account into it (1 index WCU), the settlement of the last removes it (1), and
 * a settlement that leaves an older or younger hold open moves it (2) when the oldest changes.
 *
 * <p><b>Accounts written by the transactional version</b> (no {@code holds}) are carried on: while
 * such an account has money reserved, its open reservations are its reservation markers without a
 * settlement marker (they must add up to {@code reserved}), and its next write stores them as holds.
 */
public final class DynamoDbAccounts implements Accounts {

    static final String ACCOUNT_KEY = "ACCOUNT";
    static final int MAX_ATTEMPTS = 30;
    /** How many partitions the holds index spreads accounts over. */
    public static final int HOLD_SHARDS = 16;
    /** Holds kept on one ACCOUNT item; beyond it a new reservation is refused, so the item stays small. */
    static final int MAX_OPEN_RESERVATIONS = 1000;
    private static final long MAX_BACKOFF_MILLIS = 200;

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
            Backoff.fullJitter(attempt, MAX_BACKOFF_MILLIS, "an account write");
            AccountItem account = readAccount(userId, amount.currency());
            Optional<LedgerLine> recorded = account.pendingLine(Kind.TOP_UP, topUpId);
            if (recorded.isPresent()) {
                complete(account);
                return repeatedTopUp(account, topUpId, amount, recorded.get().money());
            }
            writeItems(userId, account.pendingLines().values());
            Optional<Money> marked = marker(userId, Kind.TOP_UP, topUpId); // after the account read
            if (marked.isPresent()) {
                removePending(userId, account.pendingLines().keySet());
                return repeatedTopUp(account, topUpId, amount, marked.get());
            }
            LedgerLine line = new LedgerLine(account.version() + 1, Kind.TOP_UP, topUpId, amount.micros(),
                    account.balance() + amount.micros(), account.reserved(), account.currency(), at, null);
            if (record(account, List.of(line), null)) {
                followUp(userId, List.of(line));
                return new Account(userId, new Money(line.balanceAfter(), line.currency()),
                        new Money(line.reservedAfter(), line.currency()));
            }
        }
        throw contention("top-up " + topUpId, userId);
    }

    @Override
    public Adjusted adjust(String userId, Adjustment adjustment) {
        Kind kind = adjustment.kind();
        String id = adjustment.id();
        Money amount = adjustment.amount();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Backoff.fullJitter(attempt, MAX_BACKOFF_MILLIS, "an account write");
            AccountItem account = readAccount(userId, amount.currency());
            Optional<LedgerLine> recorded = account.pendingLine(kind, id);
            if (recorded.isPresent()) {
                complete(account);
                return repeated(account, adjustment, recorded.get().money(), recorded.get().note());
            }
            writeItems(userId, account.pendingLines().values());
            Map<String, AttributeValue> marker = get(userId, markerKey(kind, id)); // after the account read
            if (marker != null) {
                removePending(userId, account.pendingLines().keySet());
                return repeated(account, adjustment, new Money(Long.parseLong(marker.get("amount").n()),
                        Currency.getInstance(marker.get("currency").s())), LedgerLine.noteOf(marker));
            }
            if (amount.isNegative() && account.available() + amount.micros() < 0) {
                // A debit may take what is available, never what calls in progress hold (their settlement
                // would then leave the balance below zero).
                removePending(userId, account.pendingLines().keySet());
                return new Adjusted.NotAvailable(new Money(Math.max(0, account.available()), account.currency()));
            }
            LedgerLine line = new LedgerLine(account.version() + 1, kind, id, amount.micros(),
                    account.balance() + amount.micros(), account.reserved(), account.currency(), adjustment.at(), null,
                    adjustment.note());
            if (record(account, List.of(line), null)) {
                followUp(userId, List.of(line));
                return new Adjusted.Applied(new Account(userId, new Money(line.balanceAfter(), line.currency()),
                        new Money(line.reservedAfter(), line.currency())), false);
            }
        }
        throw contention(adjustment.kind() + " " + id, userId);
    }

    /**
     * The same operation again (same amount and reason: a retry, whichever operator sends it) changes nothing;
     * another one under the same id is refused, never applied: which of the two was meant cannot be told.
     */
    private static Adjusted repeated(AccountItem account, Adjustment asked, Money amount, LedgerEntry.Note note) {
        String reason = note == null ? null : note.reason();
        if (!amount.equals(asked.amount()) || !asked.note().reason().equals(reason)) {
            return new Adjusted.IdReused(amount, reason);
        }
        return new Adjusted.Applied(account.toAccount(), true);
    }

    private static Account repeatedTopUp(AccountItem account, String topUpId, Money amount, Money recorded) {
        if (!recorded.equals(amount)) {
            // Same id, different money: two different top-ups share an id, or a message was altered.
            // Swallowing it would lose money silently.
            throw new IllegalArgumentException("top-up " + topUpId + " of " + account.userId() + " was recorded as "
                    + recorded + ", not " + amount);
        }
        return account.toAccount();
    }

    @Override
    public Reservation reserve(String userId, String callId, Money wanted, Money minimum, Instant at, Limits limits) {
        if (wanted.isNegative() || minimum.isNegative() || minimum.compareTo(wanted) > 0) {
            throw new IllegalArgumentException("need 0 <= minimum <= wanted, got minimum " + minimum + ", wanted " + wanted);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Backoff.fullJitter(attempt, MAX_BACKOFF_MILLIS, "an account write");
            AccountItem account = readAccount(userId, wanted.currency());
            Optional<Money> held = account.hold(callId);
            if (held.isPresent()) {
                complete(account);
                return new Reservation.Reserved(held.get());
            }
            Optional<LedgerLine> recorded = account.pendingLine(Kind.RESERVATION, callId);
            if (recorded.isPresent()) {
                complete(account);
                return new Reservation.Reserved(recorded.get().money());
            }
            writeItems(userId, account.pendingLines().values());
            Optional<Money> marked = marker(userId, Kind.RESERVATION, callId); // after the account read
            if (marked.isPresent()) {
                // Reserved before, and settled since (else the hold would be there): never again.
                removePending(userId, account.pendingLines().keySet());
                return new Reservation.Reserved(marked.get());
            }
            // The limits, checked against this read and kept by the version-guarded write below: two reservations
            // racing for the last place cannot both be recorded. Nothing is recorded for a refusal, so a later ask
            // (after a call ends, a top-up or midnight) may succeed.
            if (account.openReservations() >= limits.openCalls()) {
                removePending(userId, account.pendingLines().keySet());
                return new Reservation.TooManyCalls(account.openReservations());
            }
            long available = account.available();
            if (limits.dailySpend().isPresent()) {
                Money cap = limits.dailySpend().get();
                long committed = account.spentOn(utcDay(at)) + account.reserved();
                if (cap.micros() - committed < minimum.micros()) {
                    removePending(userId, account.pendingLines().keySet());
                    return new Reservation.DailySpendReached(new Money(committed, account.currency()), cap);
                }
                available = Math.min(available, cap.micros() - committed);
            }
            if (account.available() < minimum.micros()) {
                removePending(userId, account.pendingLines().keySet());
                return new Reservation.InsufficientFunds(new Money(Math.max(0, account.available()), account.currency()));
            }
            if (account.openReservations() >= MAX_OPEN_RESERVATIONS) {
                removePending(userId, account.pendingLines().keySet());
                throw new IllegalStateException(userId + " has " + account.openReservations()
                        + " calls in progress already; settle some before reserving for call " + callId);
            }
            long micros = Math.min(available, wanted.micros());
            LedgerLine line = new LedgerLine(account.version() + 1, Kind.RESERVATION, callId, micros,
                    account.balance(), account.reserved() + micros, account.currency(), at, null);
            if (record(account, List.of(line), new Hold(callId, micros))) {
                followUp(userId, List.of(line));
                return new Reservation.Reserved(line.money());
            }
        }
        throw contention("reservation for call " + callId, userId);
    }

    @Override
    public boolean settle(String userId, String callId, Money charged, Instant at) {
        if (charged.isNegative()) {
            throw new IllegalArgumentException("a charge cannot be negative: " + charged);
        }
        String writer = Long.toHexString(ThreadLocalRandom.current().nextLong());
        long rejectedAt = -1; // the version our last write was guarded by, when its condition failed
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Backoff.fullJitter(attempt, MAX_BACKOFF_MILLIS, "an account write");
            AccountItem account = readAccount(userId, charged.currency());
            Optional<Money> held = account.hold(callId);
            if (held.isEmpty()) {
                // Never reserved, or settled already: by a duplicate, or by our own write whose answer
                // was lost (the SDK's retry of it then failed on the version it had moved itself).
                boolean ours = rejectedAt >= 0 && wrote(userId, account, rejectedAt + 1, callId, writer);
                complete(account);
                return ours;
            }
            Money reserved = held.get();
            if (charged.compareTo(reserved) > 0) {
                throw new IllegalArgumentException("call " + callId + " of " + userId + " cannot be charged " + charged
                        + ": only " + reserved + " was reserved");
            }
            writeItems(userId, account.pendingLines().values());
            long released = reserved.micros() - charged.micros();
            long balance = account.balance() - charged.micros();
            long reservedAfter = account.reserved() - reserved.micros();
            if (balance < 0 || reservedAfter < 0) {
                // Cannot happen while every write goes through this class (reserved <= balance).
                throw new IllegalStateException("settling call " + callId + " would leave " + userId + " at balance "
                        + balance + ", reserved " + reservedAfter + " micros");
            }
            // The settlement line shows the balance after the charge with the whole reservation still
            // held; the release line then frees the rest. Both are recorded by the same write.
            List<LedgerLine> lines = new ArrayList<>();
            lines.add(new LedgerLine(account.version() + 1, Kind.SETTLEMENT, callId, -charged.micros(), balance,
                    reservedAfter + released, account.currency(), at, writer));
            if (released > 0) {
                lines.add(new LedgerLine(account.version() + 2, Kind.RELEASE, callId, released, balance, reservedAfter,
                        account.currency(), at, null));
            }
            if (record(account, lines, new Hold(callId, null))) {
                followUp(userId, lines);
                return true;
            }
            rejectedAt = account.version();
        }
        throw contention("settlement of call " + callId, userId);
    }

    @Override
    public boolean refund(String userId, String callId, Money charge, Instant at) {
        if (charge.isNegative()) {
            throw new IllegalArgumentException("a charge cannot be negative: " + charge);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Backoff.fullJitter(attempt, MAX_BACKOFF_MILLIS, "an account write");
            AccountItem account = readAccount(userId, charge.currency());
            if (account.hold(callId).isPresent()) {
                complete(account);
                throw new IllegalStateException("call " + callId + " of " + userId
                        + " is not settled yet: its refund must follow its settlement");
            }
            if (account.pendingLine(Kind.REFUND, callId).isPresent()) {
                complete(account);
                return false;
            }
            Optional<Money> pendingSettlement = account.pendingLine(Kind.SETTLEMENT, callId).map(LedgerLine::money);
            writeItems(userId, account.pendingLines().values());
            if (marker(userId, Kind.REFUND, callId).isPresent()) { // after the account read
                removePending(userId, account.pendingLines().keySet());
                return false;
            }
            Optional<Money> settled = pendingSettlement.or(() -> marker(userId, Kind.SETTLEMENT, callId));
            long back = settled.map(line -> -line.micros() - charge.micros()).orElse(0L);
            if (back <= 0) {
                // Never settled (never reserved: nothing was taken), or it took no more than the revised charge.
                removePending(userId, account.pendingLines().keySet());
                return false;
            }
            LedgerLine line = new LedgerLine(account.version() + 1, Kind.REFUND, callId, back, account.balance() + back,
                    account.reserved(), account.currency(), at, null);
            if (record(account, List.of(line), null)) {
                followUp(userId, List.of(line));
                return true;
            }
        }
        throw contention("refund of call " + callId, userId);
    }

    @Override
    public boolean release(String userId, String callId, Instant at) {
        Map<String, AttributeValue> item = get(userId, ACCOUNT_KEY);
        AccountItem account = item == null ? null : AccountItem.from(userId, item);
        if (account == null) {
            return false; // no account, nothing held: one read for the many users who never topped up
        }
        if (account.hold(callId).isEmpty()) {
            complete(account); // as settle does (writes only when an earlier write left ledger lines to finish)
            return false;
        }
        return settle(userId, callId, Money.zero(account.currency()), at); // whatever currency (not only USD)
    }

    /** A hold and when it was made, as the sweeper sees it. */
    public record HeldFor(String userId, String callId, Money amount, Instant since) {}

    /**
     * Every hold made at or before {@code cutoff}, found without a scan: the holds index lists each
     * account with a hold by its oldest hold's time, so each of its {@value #HOLD_SHARDS} partitions is
     * read from its start to {@code cutoff} (one Query page per 1 MB of keys, eventually consistent);
     * each account found is then read (one strongly consistent GetItem) for its holds and their times.
     * A hold without a time is not listed (its age is unknown; the account's next write gives it one).
     */
    public List<HeldFor> holdsOlderThan(Instant cutoff) {
        String upTo = holdsIndexTime(cutoff.toEpochMilli());
        java.util.Set<String> userIds = new java.util.LinkedHashSet<>();
        for (int shard = 0; shard < HOLD_SHARDS; shard++) {
            String partition = holdShard(shard);
            dynamoDb.queryPaginator(r -> r.tableName(table).indexName(Resources.ACCOUNTS_HOLDS_INDEX)
                            .keyConditionExpression("holdShard = :shard AND oldestHold <= :upTo")
                            .expressionAttributeValues(Map.of(":shard", s(partition), ":upTo", s(upTo))))
                    .items().forEach(key -> userIds.add(key.get("userId").s()));
        }
        List<HeldFor> held = new ArrayList<>();
        for (String userId : userIds) {
            Map<String, AttributeValue> item = get(userId, ACCOUNT_KEY);
            if (item == null) {
                continue;
            }
            AccountItem account = AccountItem.from(userId, item);
            if (account.holds() == null) {
                continue;
            }
            account.holds().keySet().stream().sorted().forEach(callId -> account.holdTime(callId)
                    .filter(since -> !since.isAfter(cutoff))
                    .ifPresent(since -> held.add(new HeldFor(userId, callId, account.hold(callId).orElseThrow(), since))));
        }
        return held;
    }

    /** The UTC day of {@code at}, as {@code spendDay} stores it. */
    static String utcDay(Instant at) {
        return at.atOffset(ZoneOffset.UTC).toLocalDate().toString();
    }

    /** The holds index's partition of a user's account: from the user id, so no partition is hot. */
    static String holdShard(String userId) {
        return holdShard(Math.floorMod(userId.hashCode(), HOLD_SHARDS));
    }

    private static String holdShard(int shard) {
        return String.format("h%02d", shard);
    }

    /** The holds index's sort key for a time: epoch millis, 13 digits, so that strings sort as times. */
    private static String holdsIndexTime(long epochMillis) {
        return String.format("%013d", epochMillis);
    }

    /** Whether line {@code sequence} is the settlement of {@code callId} written by {@code writer}. */
    private boolean wrote(String userId, AccountItem account, long sequence, String callId, String writer) {
        LedgerLine line = account.pendingLines().get(sequence);
        if (line == null) {
            Map<String, AttributeValue> item = get(userId, ledgerKey(sequence));
            line = item == null ? null : LedgerLine.fromLedgerItem(item);
        }
        return line != null && line.is(Kind.SETTLEMENT, callId) && writer.equals(line.writer());
    }

    @Override
    public List<LedgerEntry> ledger(String userId) {
        // The account first: a line that leaves `pending` after this read is in its item by then.
        SortedMap<Long, LedgerLine> lines = new TreeMap<>(pendingLines(userId));
        dynamoDb.queryPaginator(r -> r.tableName(table).consistentRead(true).limit(ledgerPageSize)
                        .keyConditionExpression("userId = :u AND begins_with(entryKey, :ledger)")
                        .expressionAttributeValues(Map.of(":u", s(userId), ":ledger", s(LEDGER_PREFIX))))
                .items().forEach(item -> {
                    LedgerLine line = LedgerLine.fromLedgerItem(item);
                    lines.put(line.sequence(), line);
                });
        return lines.values().stream().map(line -> line.toEntry(userId)).toList();
    }

    /**
     * Paging backwards over the ledger lines, pending ones included; the cursor is the last line's
     * {@code entryKey}. Lines older than the cursor are read with a key range, not an
     * ExclusiveStartKey, because the cursor's line may still be only in {@code pending}.
     */
    @Override
    public Page<LedgerEntry> ledger(String userId, int limit, Optional<String> after) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        long before = after.map(DynamoDbAccounts::cursorSequence).orElse(Long.MAX_VALUE); // exclusive
        SortedMap<Long, LedgerLine> pending = pendingLines(userId); // first, as in ledger(userId)
        if (before <= 1) {
            return new Page<>(List.of(), Optional.empty());
        }
        var response = dynamoDb.query(r -> r.tableName(table).consistentRead(true).limit(limit).scanIndexForward(false)
                .keyConditionExpression("userId = :u AND entryKey BETWEEN :first AND :last")
                .expressionAttributeValues(Map.of(":u", s(userId), ":first", s(ledgerKey(0)),
                        ":last", s(ledgerKey(before - 1)))));
        SortedMap<Long, LedgerLine> lines = new TreeMap<>(Comparator.reverseOrder());
        response.items().forEach(item -> {
            LedgerLine line = LedgerLine.fromLedgerItem(item);
            lines.put(line.sequence(), line);
        });
        boolean moreItems = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty();
        // When the query stopped early, pending lines below its last item come on a later page.
        long floor = !moreItems ? 0 : lines.isEmpty() ? before : lines.lastKey();
        if (floor + 1 < before) {
            pending.subMap(floor + 1, before).forEach(lines::putIfAbsent);
        }
        List<LedgerLine> page = lines.values().stream().limit(limit).toList();
        boolean more = moreItems || lines.size() > limit;
        Optional<String> next = more && !page.isEmpty()
                ? Optional.of(ledgerKey(page.get(page.size() - 1).sequence())) : Optional.empty();
        return new Page<>(page.stream().map(line -> line.toEntry(userId)).toList(), next);
    }

    private static long cursorSequence(String cursor) {
        if (cursor.matches(LEDGER_PREFIX + "[0-9]{19}")) {
            try {
                return Long.parseLong(cursor.substring(LEDGER_PREFIX.length()));
            } catch (NumberFormatException tooLarge) {
                // falls through
            }
        }
        throw new RequestRefused(Refusal.INVALID_REQUEST, "not a page cursor of this ledger");
    }

    // --- writes ---------------------------------------------------------------------------------

    /** A hold added ({@code micros} set) or removed ({@code micros} null) with an account write. */
    private record Hold(String callId, Long micros) {}

    /**
     * Step 3: ONE UpdateItem of ACCOUNT, guarded by the version read, recording {@code lines} (the
     * last one gives the new balance and reserved) and removing the pending lines of the read,
     * whose items the caller has written.
     *
     * @return false when another writer came first
     */
    private boolean record(AccountItem account, List<LedgerLine> lines, Hold hold) {
        LedgerLine last = lines.get(lines.size() - 1);
        // Every name used goes through a placeholder (DynamoDB refuses placeholders left unused).
        Map<String, String> names = new HashMap<>(Map.of("#balance", "balance", "#reserved", "reserved",
                "#currency", "currency", "#version", "version", "#pending", "pending"));
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":balance", n(last.balanceAfter()));
        values.put(":reserved", n(last.reservedAfter()));
        values.put(":currency", s(account.currency().getCurrencyCode()));
        values.put(":version", n(account.version() + lines.size()));
        List<String> set = new ArrayList<>(List.of("#balance = :balance", "#reserved = :reserved",
                "#currency = :currency", "#version = :version"));
        List<String> remove = new ArrayList<>();

        Map<String, Long> holdsAfter = new HashMap<>(account.holds() == null ? Map.of() : account.holds());
        if (hold != null && hold.micros() != null) {
            holdsAfter.put(hold.callId(), hold.micros());
        } else if (hold != null) {
            holdsAfter.remove(hold.callId());
        }
        Map<String, String> callNames = new HashMap<>(); // a call id is no valid identifier: one placeholder each
        java.util.function.Function<String, String> callName = callId -> callNames.computeIfAbsent(callId, id -> {
            String placeholder = "#call" + callNames.size();
            names.put(placeholder, id);
            return placeholder;
        });

        if (!account.holdsStored()) { // a new account (or one written before holds): the whole map
            names.put("#holds", "holds");
            Map<String, AttributeValue> holds = new HashMap<>();
            holdsAfter.forEach((call, micros) -> holds.put(call, n(micros)));
            set.add("#holds = :holds");
            values.put(":holds", AttributeValue.fromM(holds));
        } else if (hold != null) {
            names.put("#holds", "holds");
            if (hold.micros() != null) {
                set.add("#holds." + callName.apply(hold.callId()) + " = :hold");
                values.put(":hold", n(hold.micros()));
            } else {
                remove.add("#holds." + callName.apply(hold.callId()));
            }
        }

        // When each hold was made, and the holds index's keys (see holdsOlderThan). A hold without a
        // time (made before times were kept) gets this write's: later than it was made, so it is
        // released later, never sooner.
        long at = last.at().toEpochMilli();
        Map<String, Long> timesBefore = account.holdTimes() == null ? Map.of() : account.holdTimes();
        Map<String, Long> timesAfter = new HashMap<>();
        holdsAfter.keySet().forEach(call -> timesAfter.put(call, timesBefore.getOrDefault(call, at)));
        if (account.holdTimes() == null) {
            names.put("#holdTimes", "holdTimes");
            Map<String, AttributeValue> times = new HashMap<>();
            timesAfter.forEach((call, millis) -> times.put(call, n(millis)));
            set.add("#holdTimes = :holdTimes");
            values.put(":holdTimes", AttributeValue.fromM(times));
        } else {
            int t = 0;
            for (var time : timesAfter.entrySet()) {
                if (!timesBefore.containsKey(time.getKey())) {
                    names.put("#holdTimes", "holdTimes");
                    set.add("#holdTimes." + callName.apply(time.getKey()) + " = :holdAt" + t);
                    values.put(":holdAt" + t, n(time.getValue()));
                    t++;
                }
            }
            for (String call : timesBefore.keySet()) {
                if (!timesAfter.containsKey(call)) { // settled (or settled by a writer that kept no times)
                    names.put("#holdTimes", "holdTimes");
                    remove.add("#holdTimes." + callName.apply(call));
                }
            }
        }
        String oldest = timesAfter.values().stream().min(Long::compare).map(DynamoDbAccounts::holdsIndexTime).orElse(null);
        String shard = oldest == null ? null : holdShard(account.userId());
        if (oldest == null && (account.holdShard() != null || account.oldestHold() != null)) {
            names.put("#holdShard", "holdShard");
            names.put("#oldestHold", "oldestHold");
            remove.add("#holdShard");
            remove.add("#oldestHold");
        } else if (oldest != null && !(shard.equals(account.holdShard()) && oldest.equals(account.oldestHold()))) {
            names.put("#holdShard", "holdShard");
            names.put("#oldestHold", "oldestHold");
            set.add("#holdShard = :holdShard");
            set.add("#oldestHold = :oldestHold");
            values.put(":holdShard", s(shard));
            values.put(":oldestHold", s(oldest));
        }

        if (account.pending() == null) {
            Map<String, AttributeValue> pending = new HashMap<>();
            lines.forEach(line -> pending.put(Long.toString(line.sequence()), line.pendingValue()));
            set.add("#pending = :pending");
            values.put(":pending", AttributeValue.fromM(pending));
        } else {
            int i = 0;
            for (LedgerLine line : lines) {
                names.put("#new" + i, Long.toString(line.sequence()));
                values.put(":new" + i, line.pendingValue());
                set.add("#pending.#new" + i + " = :new" + i);
                i++;
            }
            int j = 0;
            for (long written : account.pending().keySet()) {
                names.put("#old" + j, Long.toString(written));
                remove.add("#pending.#old" + j);
                j++;
            }
        }

        // What settlements charge counts towards the day's spend (the daily cap), by the settlement's UTC day.
        long charged = lines.stream().filter(line -> line.kind() == Kind.SETTLEMENT).mapToLong(line -> -line.amount())
                .sum();
        if (charged > 0) {
            String day = utcDay(last.at());
            names.put("#spendDay", "spendDay");
            names.put("#spentOnDay", "spentOnDay");
            set.add("#spendDay = :spendDay");
            set.add("#spentOnDay = :spentOnDay");
            values.put(":spendDay", s(day));
            values.put(":spentOnDay", n(account.spentOn(day) + charged));
        }

        String condition;
        if (account.exists()) {
            condition = "#version = :read";
            values.put(":read", n(account.version()));
        } else {
            condition = "attribute_not_exists(entryKey)";
        }
        String update = "SET " + String.join(", ", set) + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(account.userId(), ACCOUNT_KEY)).updateExpression(update)
                    .conditionExpression(condition).expressionAttributeNames(names).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException anotherWriterFirst) {
            return false;
        }
    }

    /** Steps 1 and 4 together: the lines' items, then their removal from {@code pending}. */
    private void complete(AccountItem account) {
        followUp(account.userId(), account.pendingLines().values());
    }

    private void followUp(String userId, Collection<LedgerLine> lines) {
        writeItems(userId, lines);
        removePending(userId, lines.stream().map(LedgerLine::sequence).toList());
    }

    /**
     * Each line's {@code ledger#} item, then its marker (so no marker is ever without its line), in
     * sequence order. An item already there was written by an earlier try: same content.
     */
    private void writeItems(String userId, Collection<LedgerLine> lines) {
        for (LedgerLine line : lines) {
            putIfAbsent(line.ledgerItem(userId));
            if (line.hasMarker()) {
                putIfAbsent(line.markerItem(userId));
            }
        }
    }

    /**
     * Only after the lines' items and markers are written. Guarded by nothing that a money movement
     * changes, so it never makes a concurrent writer fail; removing a line twice is harmless.
     */
    private void removePending(String userId, Collection<Long> sequences) {
        if (sequences.isEmpty()) {
            return;
        }
        Map<String, String> names = new HashMap<>(Map.of("#pending", "pending", "#version", "version"));
        List<String> paths = new ArrayList<>();
        int i = 0;
        for (long sequence : sequences) {
            names.put("#line" + i, Long.toString(sequence));
            paths.add("#pending.#line" + i);
            i++;
        }
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(userId, ACCOUNT_KEY))
                    .updateExpression("REMOVE " + String.join(", ", paths))
                    // Never creates an ACCOUNT item that is not there.
                    .conditionExpression("attribute_exists(#version)").expressionAttributeNames(names));
        } catch (ConditionalCheckFailedException noAccount) {
            // nothing to remove from
        }
    }

    private void putIfAbsent(Map<String, AttributeValue> item) {
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(entryKey)"));
        } catch (ConditionalCheckFailedException writtenAlready) {
            // by an earlier try of this operation or by the repair of a later one: same content
        }
    }

    // --- reads ----------------------------------------------------------------------------------

    /** The account item, or a zero account at version 0; refuses another currency than the account's. */
    private AccountItem readAccount(String userId, Currency currency) {
        Map<String, AttributeValue> item = get(userId, ACCOUNT_KEY);
        if (item == null) {
            return AccountItem.none(userId, currency);
        }
        AccountItem account = AccountItem.from(userId, item);
        if (!account.currency().equals(currency)) {
            throw new IllegalArgumentException("account of " + userId + " is in " + account.currency() + ", not " + currency);
        }
        if (!account.holdsStored() && account.reserved() > 0) {
            return account.withLegacyHolds(legacyHolds(account));
        }
        return account;
    }

    /**
     * The open reservations of an account written before there were holds (by the transactional
     * version): its reservation markers without a settlement marker. Read until the next write of the
     * account stores them as {@code holds}; they must add up to what the account has reserved.
     */
    private Map<String, Long> legacyHolds(AccountItem account) {
        Map<String, Long> open = new HashMap<>();
        markers(account.userId(), Kind.RESERVATION).forEach(open::put);
        markers(account.userId(), Kind.SETTLEMENT).keySet().forEach(open::remove);
        long total = open.values().stream().mapToLong(Long::longValue).sum();
        if (total != account.reserved()) {
            throw new IllegalStateException("account of " + account.userId() + " reserves " + account.reserved()
                    + " micros but its open reservation markers add up to " + total + ": not carried on");
        }
        return open;
    }

    /** Reference to amount of every marker of {@code kind}. */
    private Map<String, Long> markers(String userId, Kind kind) {
        String prefix = MARKER_PREFIX + kind.name() + "#";
        Map<String, Long> found = new HashMap<>();
        dynamoDb.queryPaginator(r -> r.tableName(table).consistentRead(true)
                        .keyConditionExpression("userId = :u AND begins_with(entryKey, :prefix)")
                        .expressionAttributeValues(Map.of(":u", s(userId), ":prefix", s(prefix))))
                .items().forEach(item -> found.put(item.get("entryKey").s().substring(prefix.length()),
                        Long.parseLong(item.get("amount").n())));
        return found;
    }

    private SortedMap<Long, LedgerLine> pendingLines(String userId) {
        Map<String, AttributeValue> item = get(userId, ACCOUNT_KEY);
        return item == null ? new TreeMap<>() : AccountItem.from(userId, item).pendingLines();
    }

    private Optional<Money> marker(String userId, Kind kind, String reference) {
        Map<String, AttributeValue> item = get(userId, markerKey(kind, reference));
        return item == null ? Optional.empty()
                : Optional.of(new Money(Long.parseLong(item.get("amount").n()), Currency.getInstance(item.get("currency").s())));
    }

    private Map<String, AttributeValue> get(String userId, String entryKey) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(userId, entryKey))).item();
        return item == null || item.isEmpty() ? null : item;
    }

    // --- keys, back-off -------------------------------------------------------------------------

    private static Map<String, AttributeValue> key(String userId, String entryKey) {
        return Map.of("userId", s(userId), "entryKey", s(entryKey));
    }

    private static IllegalStateException contention(String what, String userId) {
        return new IllegalStateException(what + " of " + userId + " lost to concurrent writers " + MAX_ATTEMPTS
                + " times; try again later");
    }
}
