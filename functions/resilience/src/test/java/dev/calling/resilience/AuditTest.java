package dev.calling.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallState;
import dev.calling.core.call.Charging;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.Party;
import dev.calling.core.call.RouteKind;
import dev.calling.core.call.TimelineEntry;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Rate;
import dev.calling.embedded.EmbeddedAws;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The verdict is not vacuous: what the suite must never see, planted straight into the tables and
 * queues, is counted by the {@link Audit}, printed, and fails the verdict; and an honest call keeps
 * it OK. Each test cleans up what another test's audit would read (carrier counts, call records are
 * scanned whole); ledgers are per user and calls per placed list, so those stay.
 */
class AuditTest {

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static DynamoDbAccounts accounts;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        accounts = new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name());
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    static Audit audit(List<Traffic.Placed> placed, String user) {
        return audit(placed, user, new CallTracker());
    }

    static Audit audit(List<Traffic.Placed> placed, String user, CallTracker switchRecord) {
        Audit audit = new Audit(dynamoDb, sqs, aws);
        audit.calls(placed, List.of(user), LocalDate.now(ZoneOffset.UTC).minusDays(1), switchRecord);
        return audit;
    }

    /** The verdict as the suite prints it, from this audit. */
    static FaultSuite.Report report(Audit audit, int placed) {
        return FaultSuite.report(audit, placed, Map.of(), Map.of(), -1, 0, Duration.ZERO, Duration.ZERO, Map.of());
    }

    static String printed(FaultSuite.Report report) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    static final Rate PER_SECOND_UK = new Rate("44", Money.of("0.60", "USD"), Money.of("0", "USD"),
            BillingIncrement.PER_SECOND, LocalDate.of(2020, 1, 1));

    /**
     * A call record by component name, every other component empty (null, no elements, 0): the
     * record gains components as the core grows, and these tests only need the ones named.
     */
    static Call call(Map<String, Object> values) {
        try {
            RecordComponent[] components = Call.class.getRecordComponents();
            Object[] args = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                Object value = values.get(components[i].getName());
                if (value == null && types[i] == List.class) {
                    value = List.of();
                } else if (value == null && types[i] == long.class) {
                    value = 0L;
                } else if (value == null && types[i] == int.class) {
                    value = 0;
                } else if (value == null && types[i] == boolean.class) {
                    value = false;
                } else if (value == null && types[i] == Call.Screening.class) {
                    value = Call.Screening.NONE;
                }
                args[i] = value;
            }
            return Call.class.getDeclaredConstructor(types).newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A PSTN call of {@code user} through atlas-uk, charged at 0.01 USD a second with 1.00 USD
     * reserved, answered {@code answeredAt}, in {@code state} (ended {@code endedAt} when ENDED).
     */
    static Call pstnCall(String callId, String user, CallState state, Instant answeredAt, Instant endedAt) {
        Instant requested = answeredAt.minusSeconds(2);
        Map<String, Object> values = new HashMap<>();
        values.put("callId", callId);
        values.put("callerUserId", user);
        values.put("callerConnectionId", user + "-c1");
        values.put("dialledNumber", Traffic.LINE_ANSWERS);
        values.put("route", RouteKind.PSTN);
        values.put("state", state);
        values.put("endReason", state == CallState.ENDED ? EndReason.COMPLETED : null);
        values.put("calleeConnectionId", "pstn-atlas-uk-" + callId + "-1");
        values.put("charging", new Charging(PER_SECOND_UK, Money.of("1.00", "USD"), 100));
        values.put("attempts", List.of(new Attempt(1, "atlas-uk", requested, endedAt, AttemptOutcome.ANSWERED, 0)));
        values.put("requestedAt", requested);
        values.put("answeredAt", answeredAt);
        values.put("endedAt", endedAt);
        values.put("timeline", List.of(new TimelineEntry(requested, CallState.REQUESTED, user + " calls a number")));
        values.put("lastEventId", "e-" + callId);
        values.put("version", 1L);
        return call(values);
    }

    /** Stores an ended PSTN call and its detail record billing {@code billed} seconds (priced right: 0.01 USD each). */
    static Traffic.Placed endedPstnCall(String callId, String user, Instant answeredAt, Instant endedAt, long billed) {
        Call call = pstnCall(callId, user, CallState.ENDED, answeredAt, endedAt);
        assertThat(new DynamoDbCallStore(dynamoDb, Resources.CALLS.name()).create(call)).isTrue();
        new DynamoDbCallDetailRecords(dynamoDb, Resources.CALL_DETAIL_RECORDS.name()).record(new CallDetailRecord(callId,
                user, Traffic.LINE_ANSWERS, Traffic.LINE_ANSWERS, RouteKind.PSTN, "atlas-uk", call.attempts(),
                call.requestedAt(), answeredAt, endedAt, EndReason.COMPLETED, billed, billed, Audit.PER_SECOND.times(billed),
                Money.of("0", "USD")));
        return new Traffic.Placed(callId, Scenario.PSTN_CALLER_HANGS_UP, user, 0, call.requestedAt());
    }

    @Test
    void aSettlementWrittenTwiceIsADoubleCharge() {
        Instant now = Instant.now();
        accounts.topUp("twice", "card-1", Money.of("10.00", "USD"), now);
        accounts.reserve("twice", "call-twice", Money.of("1.00", "USD"), Money.of("0.01", "USD"), now);
        accounts.settle("twice", "call-twice", Money.of("0.50", "USD"), now);
        assertThat(audit(List.of(), "twice").doubleChargeTotal()).as("an honest ledger").isZero();

        // The settlement's ledger line again, as a second charge would write it.
        Map<String, AttributeValue> settlement = dynamoDb.getItem(r -> r.tableName(Resources.ACCOUNTS.name())
                .consistentRead(true).key(Map.of("userId", AttributeValue.fromS("twice"),
                        "entryKey", AttributeValue.fromS("ledger#" + String.format("%019d", 3))))).item();
        assertThat(settlement.get("kind").s()).isEqualTo("SETTLEMENT");
        Map<String, AttributeValue> again = new HashMap<>(settlement);
        again.put("entryKey", AttributeValue.fromS("ledger#" + String.format("%019d", 5)));
        again.put("sequence", AttributeValue.fromN("5"));
        dynamoDb.putItem(r -> r.tableName(Resources.ACCOUNTS.name()).item(again));

        Audit audit = audit(List.of(), "twice");
        assertThat(audit.doubleCharges).containsEntry("calls settled more than once", 1L);
        assertThat(audit.doubleChargeTotal()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void moneyLeftReservedIsCounted() {
        Instant now = Instant.now();
        accounts.topUp("reserved", "card-1", Money.of("10.00", "USD"), now);
        accounts.reserve("reserved", "call-never-settled", Money.of("1.00", "USD"), Money.of("0.01", "USD"), now);

        assertThat(audit(List.of(), "reserved").doubleCharges).containsEntry("money still reserved at the end", 1L);
    }

    @Test
    void aPlacedCallWithoutARecordIsLost() {
        Traffic.Placed placed = new Traffic.Placed("call-never-stored", Scenario.VOIP_CALLER_HANGS_UP, "nobody", 0,
                Instant.now());

        Audit audit = audit(List.of(placed), "nobody");
        assertThat(audit.lost).containsEntry("placed calls with no record", 1L);
        assertThat(audit.lostTotal()).isEqualTo(1);
    }

    @Test
    void aRealMessageInADeadLetterQueueIsLostAndPoisonIsCountedApart() {
        String dlq = aws.deadLetterQueueUrl(Resources.CALL_STATE_CHANGES);
        String real = Json.write(new CallEvent.CallHungUp("e-1", "call-real", Instant.now(), 0, 0, Party.CALLER));
        sqs.sendMessage(r -> r.queueUrl(dlq).messageBody(real).messageGroupId("call-real").messageDeduplicationId("e-1"));
        sqs.sendMessage(r -> r.queueUrl(dlq).messageBody(Poison.MARK + " {{{").messageGroupId("p")
                .messageDeduplicationId("p-1"));

        Audit audit = new Audit(dynamoDb, sqs, aws);
        audit.deadLetters(Set.of());
        assertThat(audit.lost).containsEntry("real messages in a dead-letter queue", 1L);
        assertThat(audit.poisonFound).containsEntry(Resources.CALL_STATE_CHANGES.deadLetterName(), 1L);
    }

    @Test
    void aCallBilledAboveTheSwitchsTalkTimeIsOverBilled() {
        Instant answered = Instant.now().minusSeconds(30);
        CallTracker switchRecord = new CallTracker();
        // Billed 10 s, but the switch carried 4 s: 6 s over.
        Traffic.Placed over = endedPstnCall("call-over-billed", "over", answered, answered.plusSeconds(10), 10);
        switchRecord.switchAnswered("call-over-billed", 1, answered);
        switchRecord.switchHungUp("call-over-billed", 1, answered.plusSeconds(4));
        // Billed 10 s, the switch carried 9 s: within the one increment (1 s) of tolerance.
        Traffic.Placed close = endedPstnCall("call-billed-close", "over", answered, answered.plusSeconds(10), 10);
        switchRecord.switchAnswered("call-billed-close", 1, answered);
        switchRecord.switchHungUp("call-billed-close", 1, answered.plusSeconds(9));
        // Billed 5 s for a call the switch never answered: all 5 over.
        Traffic.Placed never = endedPstnCall("call-never-answered", "over", answered, answered.plusSeconds(5), 5);
        switchRecord.switchHungUp("call-never-answered", 1, answered.plusSeconds(1));

        Audit audit = audit(List.of(over, close, never), "over", switchRecord);
        assertThat(audit.billedCallsChecked).isEqualTo(3);
        assertThat(audit.overBilledCalls).isEqualTo(2);
        assertThat(audit.overBilledSeconds).isEqualTo(6 + 5);
        assertThat(audit.doubleCharges).containsEntry(Audit.OVER_BILLED, 2L)
                .containsEntry("detail record priced wrongly", 0L);
        assertThat(audit.mustBeZero()).containsEntry("over-billed seconds", 11L);
        assertThat(audit.ok()).isFalse();
        FaultSuite.Report report = report(audit, 3);
        assertThat(report.ok()).isFalse();
        assertThat(printed(report)).contains("over-billed seconds (must be 0)  11 s on 2 calls  (of 3 billed calls checked",
                "VERDICT: FAILED");
    }

    @Test
    void aCallLeftConnectedAtTheDeadlineIsStuck() {
        Instant answered = Instant.now().minusSeconds(30);
        Call connected = pstnCall("call-left-connected", "stuck", CallState.CONNECTED, answered, null);
        assertThat(new DynamoDbCallStore(dynamoDb, Resources.CALLS.name()).create(connected)).isTrue();

        Audit audit = audit(List.of(new Traffic.Placed("call-left-connected", Scenario.PSTN_CALLER_HANGS_UP, "stuck", 0,
                connected.requestedAt())), "stuck");
        assertThat(audit.stuck).isEqualTo(1);
        assertThat(audit.stuckByState).containsEntry(CallState.CONNECTED, 1L);
        assertThat(audit.ok()).isFalse();
        FaultSuite.Report report = report(audit, 1);
        assertThat(report.ok()).isFalse();
        assertThat(printed(report)).contains("stuck calls (must be 0)      1", "by state {CONNECTED=1}",
                "none hung up for the verdict", "VERDICT: FAILED");
    }

    @Test
    void aPushedCallLeftRingingIsAStuckPushedCall() {
        Instant requested = Instant.now().minusSeconds(60);
        Map<String, Object> values = new HashMap<>();
        values.put("callId", "call-pushed-ringing");
        values.put("callerUserId", "pusher");
        values.put("callerConnectionId", "pusher-c1");
        values.put("calleeUserId", "sleeper");
        values.put("route", RouteKind.VOIP);
        values.put("state", CallState.RINGING);
        values.put("pushedDeviceIds", List.of("iphone"));
        values.put("attempts", List.of(new Attempt(1, "voip-switch", requested, null, null, 0)));
        values.put("requestedAt", requested);
        values.put("timeline", List.of(new TimelineEntry(requested, CallState.RINGING, "pushing to 1 device(s)")));
        values.put("lastEventId", "e-call-pushed-ringing");
        values.put("version", 1L);
        Call ringing = call(values);
        assertThat(new DynamoDbCallStore(dynamoDb, Resources.CALLS.name()).create(ringing)).isTrue();

        Audit audit = audit(List.of(new Traffic.Placed("call-pushed-ringing", Scenario.VOIP_PUSHED_ANSWERED, "pusher", 0,
                requested)), "pusher");
        assertThat(audit.pushedCalls).isEqualTo(1);
        assertThat(audit.pushedStuck).isEqualTo(1);
        assertThat(audit.mustBeZero()).containsEntry("pushed calls stuck", 1L);
        assertThat(audit.ok()).isFalse();
        assertThat(printed(report(audit, 1))).contains("pushed calls                 1", "pushed calls stuck (must be 0)  1",
                "VERDICT: FAILED");
    }

    @Test
    void aHoldLeftOnAnAccountCountsPerReservationWithItsAmount() {
        Instant now = Instant.now();
        accounts.topUp("holder", "card-1", Money.of("10.00", "USD"), now);
        accounts.reserve("holder", "call-held-1", Money.of("1.00", "USD"), Money.of("0.01", "USD"), now);
        accounts.reserve("holder", "call-held-2", Money.of("0.50", "USD"), Money.of("0.01", "USD"), now);
        accounts.reserve("holder", "call-settled", Money.of("2.00", "USD"), Money.of("0.01", "USD"), now);
        accounts.settle("holder", "call-settled", Money.of("0.20", "USD"), now);

        Audit audit = audit(List.of(), "holder");
        assertThat(audit.reservedAtEnd).containsOnly(Map.entry("holder call-held-1", 1_000_000L),
                Map.entry("holder call-held-2", 500_000L));
        assertThat(audit.reservedAtEndMicros()).isEqualTo(1_500_000L);
        assertThat(audit.doubleCharges).containsEntry(Audit.RESERVED_AT_END, 2L);
        assertThat(audit.mustBeZero()).containsEntry("reservations still holding money", 2L);
        assertThat(audit.ok()).isFalse();
        assertThat(printed(report(audit, 0))).contains("reservations still holding money at the end (must be 0)  2, 1.50 USD",
                "holder call-held-1=1.00 USD", "VERDICT: FAILED");
    }

    @Test
    void aCarrierCountNotBackToZeroFailsTheVerdict() {
        Map<String, AttributeValue> key = Map.of("providerId", AttributeValue.fromS("atlas-test"));
        dynamoDb.updateItem(r -> r.tableName(Resources.CARRIER_HEALTH.name()).key(key).updateExpression("ADD activeCalls :n")
                .expressionAttributeValues(Map.of(":n", AttributeValue.fromN("3"))));
        try {
            Audit audit = new Audit(dynamoDb, sqs, aws);
            audit.carriers(List.of("atlas-test", "never-used"));
            assertThat(audit.carrierActiveCalls).containsEntry("atlas-test", 3L).containsEntry("never-used", 0L);
            assertThat(audit.mustBeZero()).containsEntry("carriers with calls in progress at the end", 1L);
            assertThat(audit.ok()).isFalse();
            assertThat(printed(report(audit, 0))).contains(
                    "carrier calls in progress at the end (must be 0 each)  {atlas-test=3, never-used=0}", "VERDICT: FAILED");
        } finally {
            dynamoDb.deleteItem(r -> r.tableName(Resources.CARRIER_HEALTH.name()).key(key));
        }
    }

    @Test
    void aCallRecordOver100KbFailsTheVerdict() {
        // A real call record, then its timeline as it would be had it grown without bound: 1 500 lines
        // of about 90 bytes, written straight to the item (the core trims a timeline it writes itself).
        Instant at = Instant.now();
        Call call = pstnCall("call-huge", "huge", CallState.CONNECTED, at, null);
        assertThat(new DynamoDbCallStore(dynamoDb, Resources.CALLS.name()).create(call)).isTrue();
        Map<String, AttributeValue> key = Map.of("callId", AttributeValue.fromS("call-huge"));
        try {
            List<TimelineEntry> timeline = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                timeline.add(new TimelineEntry(at.plusMillis(i), CallState.CONNECTED,
                        "report " + i + " of a carrier that never stops"));
            }
            dynamoDb.updateItem(r -> r.tableName(Resources.CALLS.name()).key(key).updateExpression("SET timeline = :t")
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromS(Json.writeTimeline(timeline)))));

            Audit audit = new Audit(dynamoDb, sqs, aws);
            audit.recordSizes();
            assertThat(audit.oversizedRecords).containsOnlyKeys("call-huge");
            assertThat(audit.oversizedRecords.get("call-huge")).isGreaterThan(Audit.MAX_RECORD_BYTES);
            assertThat(audit.largestRecord).isEqualTo("call-huge");
            assertThat(audit.mustBeZero()).containsEntry("call records over 100 KB", 1L);
            assertThat(audit.ok()).isFalse();
            assertThat(printed(report(audit, 0))).contains("call records over 100 KB (must be 0)  1", "call-huge=",
                    "VERDICT: FAILED");
        } finally {
            dynamoDb.deleteItem(r -> r.tableName(Resources.CALLS.name()).key(key));
        }
    }

    @Test
    void anItemIsSizedTheDynamoDbWay() {
        // name + value: "callId" 6 + "abc" 3; "version" 7 + 12 (2 digits) 2; "live" 4 + true 1;
        // "legs" 4 + list (3 + 1 + "ab" 2); "holds" 5 + map (3 + 1 + "c" 1 + 1000 (1 digit) 2)
        Map<String, AttributeValue> item = Map.of("callId", AttributeValue.fromS("abc"),
                "version", AttributeValue.fromN("12"), "live", AttributeValue.fromBool(true),
                "legs", AttributeValue.fromL(List.of(AttributeValue.fromS("ab"))),
                "holds", AttributeValue.fromM(Map.of("c", AttributeValue.fromN("1000"))));
        assertThat(Audit.itemBytes(item)).isEqualTo(9 + 9 + 5 + 10 + 12);
    }

    @Test
    void messagesRedrivenArePrintedWithoutFailingTheVerdict() {
        Audit audit = new Audit(dynamoDb, sqs, aws);
        audit.redriven(2);
        audit.redriven(1);
        assertThat(audit.redriven).isEqualTo(3);
        assertThat(audit.ok()).isTrue();
        assertThat(printed(report(audit, 0))).contains("messages redriven from DLQs  3", "VERDICT: OK");
    }

    @Test
    void aCleanRunIsOk() {
        Instant answered = Instant.now().minusSeconds(30);
        accounts.topUp("clean", "card-1", Money.of("10.00", "USD"), answered.minusSeconds(5));
        accounts.reserve("clean", "call-clean", Money.of("1.00", "USD"), Money.of("0.01", "USD"), answered.minusSeconds(2));
        // 3.4 s of talk: 4 s billed, 0.04 USD settled; the switch carried the same 3.4 s.
        Traffic.Placed placed = endedPstnCall("call-clean", "clean", answered, answered.plusMillis(3400), 4);
        accounts.settle("clean", "call-clean", Money.of("0.04", "USD"), answered.plusMillis(3400));
        CallTracker switchRecord = new CallTracker();
        switchRecord.switchAnswered("call-clean", 1, answered);
        switchRecord.switchHungUp("call-clean", 1, answered.plusMillis(3400));

        Audit audit = audit(List.of(placed), "clean", switchRecord);
        audit.deadLetters(Set.of());
        audit.carriers(List.of("atlas-uk"));
        audit.recordSizes();

        assertThat(audit.mustBeZero()).as("%s", audit.examples).allSatisfy((figure, value) -> assertThat(value)
                .as(figure).isZero());
        assertThat(audit.ok()).isTrue();
        assertThat(audit.recordsMeasured).isPositive();
        FaultSuite.Report report = report(audit, 1);
        assertThat(report.ok()).isTrue();
        assertThat(audit.billedCallsChecked).isEqualTo(1);
        assertThat(printed(report)).contains("over-billed seconds (must be 0)  0 s on 0 calls  (of 1 billed calls checked",
                "reservations still holding money at the end (must be 0)  0, 0.00 USD", "stuck calls (must be 0)      0",
                "carrier calls in progress at the end (must be 0 each)  {atlas-uk=0}",
                "call records over 100 KB (must be 0)  0", "messages redriven from DLQs  0", "VERDICT: OK");
    }
}
