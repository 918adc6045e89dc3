package dev.calling.resilience;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.json.MalformedMessage;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.money.Money;
import dev.calling.core.push.PushKind;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.embedded.EmbeddedAws;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Currency;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The verdict of a fault run, read from the tables and queues through clients without faults,
 * never from what the functions said they did, and checked against a record the system under test
 * does not write: the simulated switch's own (see {@link CallTracker.SwitchTalk}). Definitions:
 * <ul>
 * <li><b>double charges</b>: a call with more than one settlement (or reservation) on its caller's
 * ledger; a settlement that is not what the call's detail record says it cost; a detail record whose
 * price is not 0.01 USD per billed second, or bills more seconds than were talked or than the
 * reservation paid for; money taken for a call that should be free (VoIP, unanswered); an account
 * whose ledger lines do not follow from each other, or whose balance is not top-ups minus settlements;
 * and the two below, which are also printed on lines of their own;</li>
 * <li><b>over-billed seconds</b>: a charged call whose detail record bills more seconds than the
 * switch carried. The switch's talk time (answer report to the earliest hang-up report or leg
 * teardown, in started seconds) is rounded up to the call's billing increment; billed seconds above
 * that are over-billed. One increment of tolerance: a call is counted only when it is billed more
 * than that plus one increment ({@code nextSeconds} of the rate's increment: 1 s per second billing),
 * which absorbs the switch and the call state manager stamping the same moment a few milliseconds
 * apart (a report retimed because it cannot be true, a teardown noted as the switch is handed the
 * command), never a whole extra increment. Once counted, every billed second above the switch's
 * rounded talk time is over-billed. A call the switch never answered, or has no record of, may bill
 * nothing; a call the switch still carries is bounded by the time of the audit. The run hands the
 * switch's record to {@link #calls};</li>
 * <li><b>money still reserved at the end</b>: every reservation still open (a RESERVATION line on
 * the ledger without a SETTLEMENT or RELEASE of the same call) on an account that still has money
 * reserved after every call ended, counted per call with its amount; money reserved that no open
 * reservation explains is counted once more for the account;</li>
 * <li><b>stuck calls</b>: placed calls that exist but have not ENDED by the deadline (nobody hangs
 * them up for the verdict's sake, see {@code FaultSuite.Config#hangUpConnectedAtEnd}), by state;</li>
 * <li><b>lost messages</b>: placed calls with no call record (their CallRequested was lost); ended
 * calls without a detail record (their ChargeCall was lost); charged calls whose reservation was
 * never settled; and real (non-poison) messages found in a dead-letter queue, including those held
 * behind poison in their call's message group;</li>
 * <li><b>carrier calls in progress at the end</b>: the {@code activeCalls} count of every carrier in
 * the {@code carrier-health} table must be back to 0 once every call has ended;</li>
 * <li><b>call records over 100 KB</b>: any item of the {@code calls} table larger than
 * {@value #MAX_RECORD_BYTES} bytes, sized as DynamoDB sizes items (see {@link #itemBytes});</li>
 * <li><b>poison in DLQs</b>: messages carrying the poison mark in each dead-letter queue, against
 * what was sent; and no call may exist for the messages sent for unknown calls;</li>
 * <li><b>calls with more than 1 push of a kind to a device</b>: from the local SNS's request log
 * ({@link SnsJournal}), the Publish requests SNS accepted (answered 200; refused ones do not reach a phone)
 * per call, device token and kind (ring, cancel, missed-call notice), read from the Publish's message as the
 * app reads it; a call with any such count above 1 is counted once ({@link #pushes});</li>
 * <li><b>pushed calls stuck</b>: placed calls that woke a device by push (or were meant to) and have not
 * ENDED by the deadline; whatever became of their pushes, they must end.</li>
 * </ul>
 * A push command in the {@code call-pushes} dead-letter queue is lost unless its call's tokens were
 * scripted to fail past the retry window ({@link #snsOutages}): those are counted apart, as pushes
 * dead-lettered.
 * Messages the run redrove out of the dead-letter queues before the audit are not lost (they went
 * back to their queues) but are reported ({@link #redriven(long)}).
 */
final class Audit {

    static final Currency USD = Currency.getInstance("USD");
    static final Money PER_SECOND = Money.of("0.01", "USD");
    /** The largest call record the verdict accepts: 100 KB, a quarter of DynamoDB's 400 KB item limit. */
    static final long MAX_RECORD_BYTES = 100 * 1024;

    static final String OVER_BILLED = "calls billed above the switch's talk time";
    static final String RESERVED_AT_END = "money still reserved at the end";

    final Map<EndReason, Long> endedByReason = new EnumMap<>(EndReason.class);
    final Map<String, Long> unexpectedEnds = new TreeMap<>();
    final Map<String, Long> doubleCharges = new TreeMap<>();
    final Map<String, Long> lost = new TreeMap<>();
    final List<String> examples = new ArrayList<>();
    final Map<String, Long> poisonFound = new TreeMap<>();
    final Map<String, Long> carrierFailures = new TreeMap<>();
    long stuck;
    final Map<CallState, Long> stuckByState = new EnumMap<>(CallState.class);
    /** Over-billed calls and the seconds billed above the switch's (rounded) talk time, in all. */
    long overBilledCalls;
    long overBilledSeconds;
    /** Charged calls with billed seconds that were checked against the switch's record. */
    long billedCallsChecked;
    /** Per open reservation ("user callId"), the micros still reserved after every call ended. */
    final Map<String, Long> reservedAtEnd = new TreeMap<>();
    /** Per carrier, its stored calls in progress at the end. */
    final Map<String, Long> carrierActiveCalls = new TreeMap<>();
    /** Per call record over {@link #MAX_RECORD_BYTES}, its size in bytes. */
    final Map<String, Long> oversizedRecords = new TreeMap<>();
    long recordsMeasured;
    long largestRecordBytes;
    String largestRecord;
    /** Messages the run's redrive step moved out of the dead-letter queues before the audit. */
    long redriven;
    long ghostCallsCreated;
    long queuedAtEnd;
    /** Placed calls that woke a device by push, and of those the answered and the not ENDED. */
    long pushedCalls;
    long pushedAnswered;
    long pushedStuck;
    /** Calls meant to be pushed (the callee had no live connection) that pushed to no device. */
    long pushedScenarioNotPushed;
    /** Publish requests SNS accepted, by kind, and refused, by "status code". */
    final Map<String, Long> pushesAccepted = new TreeMap<>();
    final Map<String, Long> publishRefused = new TreeMap<>();
    /** SNS requests by action, all answers. */
    final Map<String, Long> snsRequests = new TreeMap<>();
    /** Per call with a push of a kind accepted more than once for one device token, the surplus pushes. */
    final Map<String, Long> callsPushedTwice = new TreeMap<>();
    /** Push commands dead-lettered for calls whose tokens SNS refused past the retry window, by kind. */
    final Map<String, Long> pushesDeadLettered = new TreeMap<>();
    private Set<String> snsOutageCalls = Set.of();
    long cdrs;
    long settlements;

    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final EmbeddedAws aws;

    Audit(DynamoDbClient dynamoDb, SqsClient sqs, EmbeddedAws aws) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.aws = aws;
        for (String k : List.of("calls settled more than once", "calls reserved more than once", "calls refunded more than once",
                "settlement differs from the call's detail record", "detail record priced wrongly",
                "money taken for a free call", "ledger lines that do not follow", "accounts that do not add up",
                RESERVED_AT_END, OVER_BILLED)) {
            doubleCharges.put(k, 0L);
        }
        for (String k : List.of("placed calls with no record", "ended calls with no detail record",
                "charged calls never settled", "real messages in a dead-letter queue",
                "real messages in a dead-letter queue, held behind poison in their call's group")) {
            lost.put(k, 0L);
        }
    }

    long doubleChargeTotal() {
        return doubleCharges.values().stream().mapToLong(Long::longValue).sum();
    }

    long lostTotal() {
        return lost.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Micros still reserved at the end, all accounts (USD). */
    long reservedAtEndMicros() {
        return reservedAtEnd.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Carriers whose stored calls in progress are not 0. */
    long carriersNotIdle() {
        return carrierActiveCalls.values().stream().filter(n -> n != 0).count();
    }

    /**
     * Every figure of the verdict that must be 0, by its printed name. (Over-billing and money left
     * reserved are double charges too; they have a figure of their own so that their seconds and
     * amounts show.)
     */
    Map<String, Long> mustBeZero() {
        Map<String, Long> figures = new LinkedHashMap<>();
        figures.put("double charges", doubleChargeTotal());
        figures.put("over-billed seconds", overBilledSeconds);
        figures.put("reservations still holding money", (long) reservedAtEnd.size());
        figures.put("stuck calls", stuck);
        figures.put("lost messages", lostTotal());
        figures.put("calls made by messages for unknown calls", ghostCallsCreated);
        figures.put("carriers with calls in progress at the end", carriersNotIdle());
        figures.put("call records over 100 KB", (long) oversizedRecords.size());
        figures.put("calls with more than 1 push of a kind to a device", (long) callsPushedTwice.size());
        figures.put("pushed calls stuck", pushedStuck);
        return figures;
    }

    /** Whether every must-be-zero figure is 0 (the poison count is the run's to compare). */
    boolean ok() {
        return mustBeZero().values().stream().allMatch(v -> v == 0);
    }

    /** The run's redrive step reports the messages it moved out of the dead-letter queues. */
    void redriven(long messages) {
        redriven += messages;
    }

    private void count(Map<String, Long> figures, String what, String example) {
        figures.merge(what, 1L, Long::sum);
        if (examples.size() < 30) {
            examples.add(what + ": " + example);
        }
    }

    /**
     * Reads every placed call, every detail record and every payer's ledger, and bills each charged
     * call against {@code switchRecord}, the simulated switch's own record of the run.
     */
    void calls(List<Traffic.Placed> placed, List<String> payingUsers, LocalDate from, CallTracker switchRecord) {
        Instant audited = Instant.now();
        DynamoDbCallStore store = new DynamoDbCallStore(dynamoDb, Resources.CALLS.name());
        DynamoDbCallDetailRecords records = new DynamoDbCallDetailRecords(dynamoDb, Resources.CALL_DETAIL_RECORDS.name());
        DynamoDbAccounts accounts = new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name());

        Map<String, CallDetailRecord> cdrByCall = new HashMap<>();
        for (LocalDate day = from; !day.isAfter(LocalDate.now(ZoneOffset.UTC)); day = day.plusDays(1)) {
            records.forEachEndedOn(day, cdr -> cdrByCall.put(cdr.callId(), cdr));
        }
        cdrs = cdrByCall.size();

        Map<String, Call> calls = new HashMap<>();
        for (Traffic.Placed p : placed) {
            Optional<Call> found = store.find(p.callId());
            if (found.isEmpty()) {
                count(lost, "placed calls with no record", p.callId() + " (" + p.scenario() + ")");
                continue;
            }
            Call call = found.get();
            calls.put(call.callId(), call);
            boolean pushed = !call.pushedDeviceIds().isEmpty();
            if (pushed) {
                pushedCalls++;
                if (call.answeredAt() != null) {
                    pushedAnswered++;
                }
            } else if (p.scenario().pushed) {
                pushedScenarioNotPushed++;
            }
            if (call.state() != CallState.ENDED && (pushed || p.scenario().pushed)) {
                pushedStuck++;
            }
            if (call.state() != CallState.ENDED) {
                stuck++;
                stuckByState.merge(call.state(), 1L, Long::sum);
                if (examples.size() < 30) {
                    examples.add("stuck: " + call.callId() + " " + call.state() + " (" + p.scenario() + ")");
                }
                continue;
            }
            endedByReason.merge(call.endReason(), 1L, Long::sum);
            if (call.endReason() != p.scenario().expected) {
                unexpectedEnds.merge(p.scenario() + " -> " + call.endReason(), 1L, Long::sum);
            }
            for (Attempt attempt : call.attempts()) {
                if (attempt.sipCode() == 503) {
                    carrierFailures.merge("carrier attempts failed with SIP 503", 1L, Long::sum);
                } else if (attempt.outcome() == dev.calling.core.routing.AttemptOutcome.CARRIER_FAILURE) {
                    carrierFailures.merge("carrier attempts timed out", 1L, Long::sum);
                }
            }
            CallDetailRecord cdr = cdrByCall.get(call.callId());
            if (cdr == null) {
                count(lost, "ended calls with no detail record", call.callId());
                continue;
            }
            checkPrice(call, cdr);
            checkAgainstSwitch(call, cdr, switchRecord.switchTalk(call.callId()), audited,
                    () -> switchRecord.switchLog(call.callId()));
        }

        // Ledgers: per user, every line in order.
        Map<String, List<LedgerEntry>> settlementsByCall = new HashMap<>();
        Map<String, Long> refundsByCall = new HashMap<>();
        Map<String, Integer> reservationsByCall = new HashMap<>();
        for (String user : payingUsers) {
            List<LedgerEntry> ledger = accounts.ledger(user);
            long balance = 0;
            long reserved = 0;
            Set<String> releases = new HashSet<>();
            Map<String, Long> open = new LinkedHashMap<>(); // reservations without their settlement
            for (LedgerEntry line : ledger) {
                long amount = line.amount().micros();
                switch (line.kind()) {
                    case TOP_UP, ADJUSTMENT -> balance += amount; // an operator's adjustment is signed
                    case RESERVATION -> {
                        reserved += amount;
                        reservationsByCall.merge(line.reference(), 1, Integer::sum);
                        open.merge(line.reference(), amount, Long::sum);
                    }
                    case SETTLEMENT -> {
                        balance += amount;
                        reserved += amount;
                        settlementsByCall.computeIfAbsent(line.reference(), k -> new ArrayList<>()).add(line);
                        open.remove(line.reference());
                    }
                    case REFUND -> { // a revised charge: the carrier said the call ended earlier than billed
                        balance += amount;
                        if (refundsByCall.put(line.reference(), amount) != null) {
                            count(doubleCharges, "calls refunded more than once", line.reference());
                        }
                    }
                    case RELEASE -> {
                        reserved -= amount;
                        open.remove(line.reference()); // after a settlement, or alone (a call that ended uncharged)
                        if (!releases.add(line.reference())) {
                            count(doubleCharges, "calls settled more than once", "second release for " + line.reference());
                        }
                    }
                    default -> throw new IllegalStateException(line.kind().name());
                }
                if (line.balanceAfter().micros() != balance || line.reservedAfter().micros() != reserved) {
                    count(doubleCharges, "ledger lines that do not follow", user + " " + line);
                    balance = line.balanceAfter().micros();
                    reserved = line.reservedAfter().micros();
                }
            }
            Account account = accounts.account(user, USD);
            if (account.balance().micros() != balance) {
                count(doubleCharges, "accounts that do not add up", user + ": balance " + account.balance()
                        + ", ledger says " + new Money(balance, USD));
            }
            reservedAtEnd(user, account.reserved().micros(), open);
        }
        reservationsByCall.forEach((callId, n) -> {
            if (n > 1) {
                count(doubleCharges, "calls reserved more than once", callId + " x" + n);
            }
        });
        settlementsByCall.forEach((callId, lines) -> {
            settlements++;
            if (lines.size() > 1) {
                count(doubleCharges, "calls settled more than once", callId + " x" + lines.size());
            }
            Call call = calls.get(callId);
            CallDetailRecord cdr = cdrByCall.get(callId);
            Money charged = Money.zero(USD).minus(lines.get(0).amount())
                    .minus(new Money(refundsByCall.getOrDefault(callId, 0L), USD));
            if (cdr != null && !charged.equals(cdr.retail())) {
                count(doubleCharges, "settlement differs from the call's detail record", callId + " settled " + charged
                        + ", record says " + cdr.retail());
            }
            if (call != null && (call.route() != RouteKind.PSTN || call.answeredAt() == null) && charged.micros() != 0) {
                count(doubleCharges, "money taken for a free call", callId + " " + charged);
            }
        });
        for (Call call : calls.values()) {
            if (call.state() == CallState.ENDED && call.charging() != null
                    && reservationsByCall.containsKey(call.callId()) && !settlementsByCall.containsKey(call.callId())) {
                count(lost, "charged calls never settled", call.callId());
            }
        }
    }

    private void checkPrice(Call call, CallDetailRecord cdr) {
        boolean free = call.route() != RouteKind.PSTN || call.answeredAt() == null;
        if (free) {
            if (cdr.retail().micros() != 0 || cdr.billableSeconds() != 0) {
                count(doubleCharges, "money taken for a free call", call.callId() + " record " + cdr.retail());
            }
            return;
        }
        boolean priced = cdr.retail().equals(PER_SECOND.times(cdr.billableSeconds()))
                && cdr.billableSeconds() == cdr.talkSeconds()
                && (call.charging() == null || cdr.billableSeconds() <= call.charging().maxTalkSeconds());
        if (!priced) {
            count(doubleCharges, "detail record priced wrongly", call.callId() + " talk " + cdr.talkSeconds() + " s, billed "
                    + cdr.billableSeconds() + " s, " + cdr.retail());
        }
    }

    /**
     * Billed seconds against the talk time the switch carried (see the class comment for the
     * tolerance). A call the switch never heard of carried nothing.
     */
    private void checkAgainstSwitch(Call call, CallDetailRecord cdr, Optional<CallTracker.SwitchTalk> talk, Instant audited,
            java.util.function.Supplier<List<String>> switchLog) {
        if (call.route() != RouteKind.PSTN || call.charging() == null || cdr.billableSeconds() == 0) {
            return;
        }
        billedCallsChecked++;
        BillingIncrement increment = call.charging().rate().increment();
        long carried = talk.map(t -> t.seconds(audited)).orElse(0L);
        long carriedBillable = increment.billableSeconds(carried);
        long allowed = carried == 0 ? 0 : carriedBillable + increment.nextSeconds();
        if (cdr.billableSeconds() > allowed) {
            long over = cdr.billableSeconds() - carriedBillable;
            overBilledCalls++;
            overBilledSeconds += over;
            count(doubleCharges, OVER_BILLED, call.callId() + " billed " + cdr.billableSeconds() + " s, the switch carried "
                    + carried + " s (" + talk.map(CallTracker.SwitchTalk::toString).orElse("no switch record") + "): "
                    + over + " s over; timeline: " + timeline(call) + "; the switch: " + String.join(" | ", switchLog.get()));
        }
    }

    /** The call's timeline on one line, each entry as "HH:mm:ss.SSS STATE detail", for an example. */
    private static String timeline(Call call) {
        StringBuilder line = new StringBuilder();
        for (var entry : call.timeline()) {
            line.append(line.length() == 0 ? "" : " | ").append(entry.at().toString(), 11, 23).append(' ')
                    .append(entry.state()).append(' ').append(entry.detail());
        }
        return line.toString();
    }

    /**
     * An account with money still reserved after every call ended: each open reservation counts,
     * with its amount; what no open reservation explains counts once more.
     */
    private void reservedAtEnd(String user, long reservedMicros, Map<String, Long> open) {
        if (reservedMicros == 0) {
            return;
        }
        long explained = 0;
        for (Map.Entry<String, Long> reservation : open.entrySet()) {
            explained += reservation.getValue();
            reservedAtEnd.put(user + " " + reservation.getKey(), reservation.getValue());
            count(doubleCharges, RESERVED_AT_END, user + " " + reservation.getKey() + ": "
                    + new Money(reservation.getValue(), USD));
        }
        if (explained != reservedMicros) {
            reservedAtEnd.put(user + " (no open reservation)", reservedMicros - explained);
            count(doubleCharges, RESERVED_AT_END, user + ": " + new Money(reservedMicros, USD) + " reserved, open reservations "
                    + new Money(explained, USD));
        }
    }

    /**
     * Every carrier's calls in progress as stored; each must be back to 0. Carriers in
     * {@code carrierIds} without an item count 0.
     */
    void carriers(List<String> carrierIds) {
        carrierIds.forEach(id -> carrierActiveCalls.put(id, 0L));
        carrierActiveCalls.putAll(storedActiveCalls());
        carrierActiveCalls.forEach((id, n) -> {
            if (n != 0 && examples.size() < 30) {
                examples.add("carrier calls in progress at the end: " + id + " " + n);
            }
        });
    }

    /**
     * The stored {@code activeCalls} of every carrier in {@code carrier-health} (see
     * {@code DynamoDbCarrierCatalogue}: the health item and its load shards, summed), read raw so that a
     * count below 0 shows. The one place that
     * knows how the count is stored: should it move (sharded, another table), only this changes.
     */
    Map<String, Long> storedActiveCalls() {
        Map<String, Long> counts = new TreeMap<>();
        for (Map<String, AttributeValue> item : dynamoDb.scanPaginator(r -> r.tableName(Resources.CARRIER_HEALTH.name())
                .consistentRead(true)).items()) {
            AttributeValue n = item.get("activeCalls");
            String key = item.get("providerId").s();
            int shard = key.indexOf("#load#"); // the count is spread over load shards "<carrier>#load#<k>"
            String carrier = shard < 0 ? key : key.substring(0, shard);
            counts.merge(carrier, n == null || n.n() == null ? 0L : Long.parseLong(n.n()), Long::sum);
        }
        return counts;
    }

    /** Sizes every item of the {@code calls} table; those over {@link #MAX_RECORD_BYTES} are counted. */
    void recordSizes() {
        for (Map<String, AttributeValue> item : dynamoDb.scanPaginator(r -> r.tableName(Resources.CALLS.name())
                .consistentRead(true)).items()) {
            long bytes = itemBytes(item);
            String callId = item.containsKey("callId") ? item.get("callId").s() : String.valueOf(item.keySet());
            recordsMeasured++;
            if (bytes > largestRecordBytes) {
                largestRecordBytes = bytes;
                largestRecord = callId;
            }
            if (bytes > MAX_RECORD_BYTES) {
                oversizedRecords.put(callId, bytes);
                if (examples.size() < 30) {
                    examples.add("call record over 100 KB: " + callId + " " + bytes + " bytes");
                }
            }
        }
    }

    /**
     * An item's size the way DynamoDB counts it (the "Item sizes and formats" rules of the DynamoDB
     * developer guide): the sum over its attributes of the name's UTF-8 length and the value's size.
     * Exact for strings, binaries, booleans, nulls, lists, maps and sets of those; numbers by the
     * guide's own approximation (1 byte per two significant digits, plus 1).
     */
    static long itemBytes(Map<String, AttributeValue> item) {
        long bytes = 0;
        for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
            bytes += utf8(attribute.getKey()) + valueBytes(attribute.getValue());
        }
        return bytes;
    }

    private static long valueBytes(AttributeValue value) {
        switch (value.type()) {
            case S:
                return utf8(value.s());
            case N:
                return numberBytes(value.n());
            case B:
                return value.b().asByteArray().length;
            case BOOL:
            case NUL:
                return 1;
            case SS:
                return value.ss().stream().mapToLong(Audit::utf8).sum();
            case NS:
                return value.ns().stream().mapToLong(Audit::numberBytes).sum();
            case BS:
                return value.bs().stream().mapToLong(b -> b.asByteArray().length).sum();
            case L: {
                long bytes = 3; // a list's overhead, whatever it holds
                for (AttributeValue element : value.l()) {
                    bytes += 1 + valueBytes(element);
                }
                return bytes;
            }
            case M: {
                long bytes = 3;
                for (Map.Entry<String, AttributeValue> element : value.m().entrySet()) {
                    bytes += 1 + utf8(element.getKey()) + valueBytes(element.getValue());
                }
                return bytes;
            }
            default:
                throw new IllegalArgumentException("attribute value of unknown type: " + value);
        }
    }

    private static long utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static long numberBytes(String number) {
        int digits = new BigDecimal(number).stripTrailingZeros().unscaledValue().abs().toString().length();
        return (digits + 1) / 2 + 1;
    }

    /**
     * The pushes SNS accepted, from its request log: each Publish answered 200 is read as the app would read it
     * (call, kind) and keyed by the device token it went to ({@code tokenOfEndpoint}: the endpoint ARN's token,
     * or null when the endpoint is gone, then the ARN stands for it). More than one of a kind for one call and
     * token counts the call in {@link #callsPushedTwice}. Refused Publish requests are counted by status and code.
     */
    void pushes(List<SnsJournal.Request> requests, java.util.function.Function<String, String> tokenOfEndpoint) {
        record Key(String callId, String device, PushKind kind) {}
        Map<Key, Long> perCallTokenKind = new LinkedHashMap<>();
        for (SnsJournal.Request request : requests) {
            snsRequests.merge(request.action(), 1L, Long::sum);
            if (!request.action().equals("Publish")) {
                continue;
            }
            if (!request.accepted()) {
                boolean down = SnsJournal.publication(request.form()).map(p -> snsOutageCalls.contains(p.callId()))
                        .orElse(false);
                publishRefused.merge(request.status() + " " + request.errorCode() + (down ? " (SNS down for the phone)" : ""),
                        1L, Long::sum);
                continue;
            }
            Optional<SnsJournal.Publication> publication = SnsJournal.publication(request.form());
            if (publication.isEmpty()) {
                pushesAccepted.merge("unreadable", 1L, Long::sum);
                continue;
            }
            SnsJournal.Publication push = publication.get();
            pushesAccepted.merge(push.kind().name(), 1L, Long::sum);
            String token = push.targetArn() == null ? null : tokenOfEndpoint.apply(push.targetArn());
            String device = token != null ? token : String.valueOf(push.targetArn());
            perCallTokenKind.merge(new Key(push.callId(), device, push.kind()), 1L, Long::sum);
        }
        perCallTokenKind.forEach((key, n) -> {
            if (n > 1) {
                callsPushedTwice.merge(key.callId(), n - 1, Long::sum);
                if (examples.size() < 30) { // never a whole token in a log line: its last characters tell devices apart
                    examples.add("more than 1 push of a kind to a device: " + key.callId() + " " + key.kind() + " x" + n
                            + " to token ..." + key.device().substring(Math.max(0, key.device().length() - 6)));
                }
            }
        });
    }

    /**
     * The calls whose tokens SNS refused past the retry window: their dead-lettered pushes are expected, and
     * their refused Publish requests are counted apart. Call before {@link #deadLetters} and {@link #pushes}.
     */
    void snsOutages(Set<String> callIds) {
        snsOutageCalls = Set.copyOf(callIds);
    }

    /** A real push command in the call-pushes DLQ: expected when its call's tokens were down, else lost. */
    private boolean expectedPushDeadLetter(QueueDefinition queue, String body) {
        if (!queue.equals(Resources.CALL_PUSHES)) {
            return false;
        }
        CallCommand command;
        try {
            command = Json.readCallCommand(body);
        } catch (MalformedMessage unreadable) {
            return false;
        }
        if (!(command instanceof CallCommand.PushCallee push) || !snsOutageCalls.contains(push.callId())) {
            return false;
        }
        pushesDeadLettered.merge(push.kind().name(), 1L, Long::sum);
        return true;
    }

    /** No call may exist for the messages sent for unknown calls. */
    void ghosts(List<String> ghostCallIds) {
        DynamoDbCallStore store = new DynamoDbCallStore(dynamoDb, Resources.CALLS.name());
        for (String id : ghostCallIds) {
            if (store.find(id).isPresent()) {
                ghostCallsCreated++;
                examples.add("a message for an unknown call created call " + id);
            }
        }
    }

    /**
     * Every message in every dead-letter queue, told apart by the poison mark. Each is deleted as it
     * is read: in a FIFO dead-letter queue an unacknowledged message would hide the rest of its
     * message group from the next receive. A real message of a call whose message group also got a
     * poison message is counted apart (it was held back behind the poison and shared its fate).
     */
    void deadLetters(Set<String> poisonedCalls) {
        for (QueueDefinition queue : Resources.QUEUES) {
            String url = aws.deadLetterQueueUrl(queue);
            Map<String, Message> seen = new LinkedHashMap<>();
            for (int empty = 0; empty < 2;) {
                List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                        .visibilityTimeout(600)).messages();
                if (batch.isEmpty()) {
                    empty++;
                }
                for (Message m : batch) {
                    seen.put(m.messageId(), m);
                    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
                }
            }
            // Distinct bodies: an unreadable message is put into its DLQ by the consumer at once, and a standard
            // queue may hand one message to two consumers (at-least-once), so a copy may land there twice.
            long poison = seen.values().stream().map(Message::body).filter(body -> body.contains(Poison.MARK))
                    .distinct().count();
            if (poison > 0 || Poison.POISONED.contains(queue)) {
                poisonFound.put(queue.deadLetterName(), poison);
            }
            for (Message m : seen.values()) {
                if (m.body().contains(Poison.MARK) || expectedPushDeadLetter(queue, m.body())) {
                    continue;
                }
                boolean behindPoison = poisonedCalls.stream().anyMatch(id -> m.body().contains("\"" + id + "\""));
                count(lost, behindPoison ? "real messages in a dead-letter queue, held behind poison in their call's group"
                        : "real messages in a dead-letter queue", queue.deadLetterName() + ": " + m.body());
            }
        }
    }

    /** Messages of the given queues' DLQs now (visible and in flight), for waiting on redrive. */
    long deadLettered() {
        long n = 0;
        for (QueueDefinition queue : Resources.QUEUES) {
            n += depth(aws.deadLetterQueueUrl(queue));
        }
        return n;
    }

    /** Messages on the system's own queues, visible or in flight (timers still delayed not counted). */
    long queued() {
        long n = 0;
        for (QueueDefinition queue : Resources.QUEUES) {
            n += depth(aws.queueUrl(queue));
        }
        return n;
    }

    /** Timers not yet due (cut-off timers of long reservations, ring timers of answered calls). */
    long delayedTimers() {
        return Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(aws.queueUrl(Resources.CALL_TIMERS))
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));
    }

    private long depth(String url) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return attributes.values().stream().mapToLong(Long::parseLong).sum();
    }
}
