package dev.calling.resilience;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.money.Money;
import dev.calling.embedded.EmbeddedAws;
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
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The verdict of a fault run, read from the tables and queues through clients without faults,
 * never from what the functions said they did. Definitions:
 * <ul>
 * <li><b>double charges</b>: a call with more than one settlement (or reservation) on its caller's
 * ledger; a settlement that is not what the call's detail record says it cost; a detail record whose
 * price is not 0.01 USD per billed second, or bills more seconds than were talked or than the
 * reservation paid for; money taken for a call that should be free (VoIP, unanswered); an account
 * whose ledger lines do not follow from each other, or whose balance is not top-ups minus settlements,
 * or that still holds money reserved after every call ended;</li>
 * <li><b>stuck calls</b>: placed calls that exist but have not ENDED by the deadline;</li>
 * <li><b>lost messages</b>: placed calls with no call record (their CallRequested was lost); ended
 * calls without a detail record (their ChargeCall was lost); charged calls whose reservation was
 * never settled; and real (non-poison) messages found in a dead-letter queue;</li>
 * <li><b>poison in DLQs</b>: messages carrying the poison mark in each dead-letter queue, against
 * what was sent; and no call may exist for the messages sent for unknown calls.</li>
 * </ul>
 */
final class Audit {

    static final Currency USD = Currency.getInstance("USD");
    static final Money PER_SECOND = Money.of("0.01", "USD");

    final Map<EndReason, Long> endedByReason = new EnumMap<>(EndReason.class);
    final Map<String, Long> unexpectedEnds = new TreeMap<>();
    final Map<String, Long> doubleCharges = new TreeMap<>();
    final Map<String, Long> lost = new TreeMap<>();
    final List<String> examples = new ArrayList<>();
    final Map<String, Long> poisonFound = new TreeMap<>();
    final Map<String, Long> carrierFailures = new TreeMap<>();
    long stuck;
    long notEndedCallIds;
    long ghostCallsCreated;
    long queuedAtEnd;
    long cdrs;
    long settlements;

    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final EmbeddedAws aws;

    Audit(DynamoDbClient dynamoDb, SqsClient sqs, EmbeddedAws aws) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.aws = aws;
        for (String k : List.of("calls settled more than once", "calls reserved more than once",
                "settlement differs from the call's detail record", "detail record priced wrongly",
                "money taken for a free call", "ledger lines that do not follow", "accounts that do not add up",
                "money still reserved at the end")) {
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

    private void count(Map<String, Long> figures, String what, String example) {
        figures.merge(what, 1L, Long::sum);
        if (examples.size() < 30) {
            examples.add(what + ": " + example);
        }
    }

    /** Reads every placed call, every detail record and every payer's ledger. */
    void calls(List<Traffic.Placed> placed, List<String> payingUsers, LocalDate from) {
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
            if (call.state() != CallState.ENDED) {
                stuck++;
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
        }

        // Ledgers: per user, every line in order.
        Map<String, List<LedgerEntry>> settlementsByCall = new HashMap<>();
        Map<String, Integer> reservationsByCall = new HashMap<>();
        for (String user : payingUsers) {
            List<LedgerEntry> ledger = accounts.ledger(user);
            long balance = 0;
            long reserved = 0;
            Set<String> releases = new HashSet<>();
            for (LedgerEntry line : ledger) {
                long amount = line.amount().micros();
                switch (line.kind()) {
                    case TOP_UP -> balance += amount;
                    case RESERVATION -> {
                        reserved += amount;
                        reservationsByCall.merge(line.reference(), 1, Integer::sum);
                    }
                    case SETTLEMENT -> {
                        balance += amount;
                        reserved += amount;
                        settlementsByCall.computeIfAbsent(line.reference(), k -> new ArrayList<>()).add(line);
                    }
                    case RELEASE -> {
                        reserved -= amount;
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
            if (account.reserved().micros() != 0) {
                count(doubleCharges, "money still reserved at the end", user + ": " + account.reserved());
            }
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
            Money charged = Money.zero(USD).minus(lines.get(0).amount());
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
            long poison = seen.values().stream().filter(m -> m.body().contains(Poison.MARK)).count();
            if (poison > 0 || Poison.POISONED.contains(queue)) {
                poisonFound.put(queue.deadLetterName(), poison);
            }
            for (Message m : seen.values()) {
                if (m.body().contains(Poison.MARK)) {
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
