package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.routing.DynamoDbCarrierCatalogue;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.adapters.sweeper.CallSweeper;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallHungUp;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.Party;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The sweeper against dynalite and ElasticMQ: the sweep index, close-out, overdue checks, carrier recounts. */
class CallSweeperTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final Rate RATE = new Rate("44", Money.of("0.01", "USD"), Money.of("0", "USD"), BillingIncrement.PER_SECOND,
            LocalDate.of(2026, 1, 1));
    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static DynamoDbCallStore calls;
    final CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        calls = new DynamoDbCallStore(dynamoDb, Resources.CALLS.name());
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    Call pstnCall(String callId, String carrier) {
        return pstnCall(callId, carrier, T0);
    }

    Call pstnCall(String callId, String carrier, Instant at) {
        Route route = new Route.Pstn(PhoneNumber.parse("+447400123456"), List.of(new Route.ProviderOption(carrier, RATE)));
        return machine.start(new CallRequested("r-" + callId, callId, at, "alice", "a1", null, "+447400123456"),
                List.of("a1"), route).call();
    }

    CallSweeper sweeperAt(Instant now) {
        return new CallSweeper(dynamoDb, Resources.CALLS.name(),
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), Resources.CARRIER_HEALTH.name(),
                List.of("sweep-alpha", "sweep-bravo"), Resources.ACCOUNTS.name(), Duration.ofMinutes(2),
                Duration.ofHours(3), Clock.fixed(now, ZoneOffset.UTC));
    }

    List<CallEvent> published() {
        List<CallEvent> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            var messages = sqs.receiveMessage(r -> r.queueUrl(aws.queueUrl(Resources.CALL_STATE_CHANGES))
                    .maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
            messages.forEach(m -> {
                events.add(Json.readCallEvent(m.body()));
                sqs.deleteMessage(r -> r.queueUrl(aws.queueUrl(Resources.CALL_STATE_CHANGES)).receiptHandle(m.receiptHandle()));
            });
        }
        return events;
    }

    @Test
    void overdueCallsAreCheckedThroughTheQueueClosedOutOnesAreNotAndCarrierCountsAreRecounted() {
        Call ringingTooLong = pstnCall("sw-ringing", "sweep-alpha"); // its ring timer was lost
        Call connected = machine.apply(pstnCall("sw-connected", "sweep-alpha"),
                new CallAnswered("a", "sw-connected", T0.plusSeconds(5), 1, 1, "leg")).call();
        Call ended = machine.apply(connected, new CallHungUp("h", "sw-connected", T0.plusSeconds(9), 0, 0,
                Party.CALLER)).call();
        Call endedClosedOut = machine.apply(machine.apply(pstnCall("sw-done", "sweep-bravo"),
                new CallAnswered("a", "sw-done", T0.plusSeconds(5), 1, 1, "leg")).call(),
                new CallHungUp("h", "sw-done", T0.plusSeconds(9), 0, 0, Party.CALLER)).call();
        assertThat(calls.create(ringingTooLong)).isTrue();
        assertThat(calls.create(ended)).isTrue(); // ended, never closed out: its end commands failed
        assertThat(calls.create(endedClosedOut)).isTrue();
        calls.closeOut("sw-done");
        dynamoDb.putItem(r -> r.tableName(Resources.CARRIER_HEALTH.name()).item(Map.of(
                "providerId", AttributeValue.fromS("sweep-alpha"), "activeCalls", AttributeValue.fromN("7"))));
        dynamoDb.putItem(r -> r.tableName(Resources.CARRIER_HEALTH.name()).item(Map.of(
                "providerId", AttributeValue.fromS("sweep-bravo"), "activeCalls", AttributeValue.fromN("-2"))));

        // Ringing at T0 (ring timeout 45 s) and ended at T0+9 s: both overdue with 2 min of grace at T0+10 min.
        var findings = sweeperAt(T0.plusSeconds(600)).sweep();

        assertThat(findings.overdue()).isEqualTo(2);
        assertThat(published()).extracting(CallEvent::callId).containsExactlyInAnyOrder("sw-ringing", "sw-connected")
                .doesNotContain("sw-done");
        assertThat(findings.carrierCalls()).containsEntry("sweep-alpha", 1); // only the one still ringing
        assertThat(findings.carrierCorrections()).containsEntry("sweep-alpha", 6).containsEntry("sweep-bravo", -2);
        assertThat(activeCalls("sweep-alpha")).isEqualTo(1);
        assertThat(activeCalls("sweep-bravo")).isZero();
    }

    @Test
    void aCallWithinItsGraceIsLeftToItsOwnTimers() {
        Instant later = T0.plus(Duration.ofDays(1));
        assertThat(calls.create(pstnCall("sw-fresh", "sweep-charlie", later))).isTrue();

        sweeperAt(later.plusSeconds(60)).sweep(); // due 45 s after it was placed, grace 2 min

        assertThat(published()).extracting(CallEvent::callId).doesNotContain("sw-fresh");
    }

    /** The stored calls in progress: the sum over the carrier's load shards and its health item's legacy count. */
    static long activeCalls(String carrier) {
        return DynamoDbCarrierCatalogue.storedActiveCalls(dynamoDb, Resources.CARRIER_HEALTH.name(), List.of(carrier))
                .get(carrier);
    }
}
