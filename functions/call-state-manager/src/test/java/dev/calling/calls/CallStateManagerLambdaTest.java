package dev.calling.calls;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.devices.DynamoDbDevices;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.RouteKind;
import dev.calling.core.money.Money;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.core.call.CallCommand;
import dev.calling.core.push.Device;
import dev.calling.core.push.PushKind;
import dev.calling.core.push.PushPlatform;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.EmbeddedAwsTestResource;
import dev.calling.embedded.SecretsManagerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The packaged Lambda, invoked through Quarkus's mock Lambda event server with the sample SQS
 * events from {@code events-samples/}, against dynalite and ElasticMQ.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SecretsManagerTestResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CallStateManagerLambdaTest {

    static final Instant FAR_FUTURE = Instant.parse("2099-01-01T00:00:00Z");
    /** The test REST carrier's API key secret (application.properties), in the Secrets Manager stub. */
    static final String ATLAS_API_KEY_SECRET = "calling/test/atlas/api-key";
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;

    @BeforeAll
    static void usersAreOnline() {
        SecretsManagerTestResource.current().put(ATLAS_API_KEY_SECRET, "{\"apiKey\":\"test-only-key\"}");
        EmbeddedAws aws = EmbeddedAwsTestResource.current();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        var sessions = new DynamoDbSessionStore(dynamoDb, Resources.SESSIONS.name());
        Instant t = Instant.parse("2026-01-01T09:59:00Z");
        sessions.open(new Connection("sample-alice", "phone", "sample-alice-c1", ConnectionState.OPEN, t, t, FAR_FUTURE));
        sessions.open(new Connection("sample-bob", "phone", "sample-bob-c1", ConnectionState.OPEN, t, t, FAR_FUTURE));
    }

    @AfterAll
    static void close() {
        dynamoDb.close();
        sqs.close();
    }

    static String sample(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("events.samples.dir"), "call-state-manager", name));
    }

    static List<String> invoke(String event) {
        return given().contentType("application/json").body(event)
                .when().post()
                .then().statusCode(200)
                .extract().jsonPath().getList("batchItemFailures.itemIdentifier");
    }

    static Call call(String id) {
        return new DynamoDbCallStore(dynamoDb, Resources.CALLS.name()).find(id).orElseThrow();
    }

    static List<Message> drain(Resources.QueueDefinition queue) {
        return EmbeddedAwsTestResource.current().drain(sqs, queue, java.time.Duration.ofSeconds(1));
    }

    @Test
    @Order(1)
    void requestRingsTheCalleeThroughTheSwitchQueueAndArmsTheRingTimer() throws Exception {
        assertThat(invoke(sample("call-requested.json"))).isEmpty();

        Call call = call("sample-call-1");
        assertThat(call.state()).isEqualTo(CallState.RINGING);
        assertThat(call.lastSwitchSequence()).isEqualTo(1);
        assertThat(drain(Resources.SWITCH_COMMANDS)).extracting(m -> Json.readCallCommand(m.body()))
                .containsExactly(new CallCommand.RingCallee("sample-call-1", "sample-alice", "sample-alice-c1", "sample-bob",
                        List.of("sample-bob-c1")));
        assertThat(drain(Resources.CALL_TIMERS)).extracting(Message::body)
                .containsExactly(Json.write(dev.calling.core.call.CallEvent.RingTimeoutElapsed.of("sample-call-1",
                        Instant.parse("2026-01-01T10:00:45Z"))));
    }

    @Test
    @Order(99)
    void aDuePushWindowTimerIsReadAndRelayedIntoItsCallsGroup() throws Exception {
        assertThat(invoke(sample("fallback-due.json"))).isEmpty();

        List<Message> relayed = drain(Resources.CALL_STATE_CHANGES);
        assertThat(relayed).extracting(m -> Json.readCallEvent(m.body())).containsExactly(
                dev.calling.core.call.CallEvent.FallbackDue.of("sample-call-1", Instant.parse("2026-01-01T10:00:15Z")));
        assertThat(relayed.get(0).attributes()).containsEntry(MessageSystemAttributeName.MESSAGE_GROUP_ID, "sample-call-1");
    }

    @Test
    @Order(2)
    void dueRingTimerIsRelayedIntoItsCallsGroupAndThenEndsTheCallMissed() throws Exception {
        assertThat(invoke(sample("ring-timeout.json"))).isEmpty();

        List<Message> relayed = drain(Resources.CALL_STATE_CHANGES);
        assertThat(relayed).extracting(Message::body).containsExactly(Json.write(
                dev.calling.core.call.CallEvent.RingTimeoutElapsed.of("sample-call-1", Instant.parse("2026-01-01T10:00:45Z"))));
        assertThat(relayed.get(0).attributes()).containsEntry(MessageSystemAttributeName.MESSAGE_GROUP_ID, "sample-call-1");
        assertThat(call("sample-call-1").state()).as("not applied where it arrived").isEqualTo(CallState.RINGING);

        assertThat(invoke(fifoEvent(relayed.get(0).body(), "sample-call-1"))).isEmpty();

        Call call = call("sample-call-1");
        assertThat(call.state()).isEqualTo(CallState.ENDED);
        assertThat(call.endReason()).isEqualTo(EndReason.MISSED);
        assertThat(drain(Resources.SWITCH_COMMANDS)).extracting(m -> Json.readCallCommand(m.body()))
                .containsExactlyInAnyOrder(new CallCommand.ReleaseConnection("sample-call-1", "sample-alice-c1"),
                        new CallCommand.ReleaseConnection("sample-call-1", "sample-bob-c1"));
    }

    /** One record of a Lambda SQS event from the FIFO queue, around a body taken off the queue. */
    static String fifoEvent(String body, String group) {
        String escaped = body.replace("\\", "\\\\").replace("\"", "\\\"");
        return """
                {"Records":[{"messageId":"relayed-1","receiptHandle":"r","body":"%s",
                  "attributes":{"ApproximateReceiveCount":"1","MessageGroupId":"%s","MessageDeduplicationId":"d"},
                  "messageAttributes":{},"eventSource":"aws:sqs",
                  "eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:call-state-changes.fifo","awsRegion":"us-east-1"}]}
                """.formatted(escaped, group);
    }

    @Test
    @Order(3)
    void malformedMessageGoesStraightToTheDeadLetterQueueAndTheRestOfItsCallAndOtherCallsGoOn() throws Exception {
        List<String> failed = invoke(sample("poison-batch.json"));

        // It is never retried: a failed message of a FIFO group would hold the call's later events back.
        assertThat(failed).isEmpty();
        assertThat(call("sample-call-3").endReason()).isEqualTo(EndReason.UNREACHABLE);
        String url = EmbeddedAwsTestResource.current().queueUrl(Resources.CALL_STATE_CHANGES);
        String deadLetters = url.substring(0, url.lastIndexOf('/') + 1) + Resources.CALL_STATE_CHANGES.deadLetterName();
        List<Message> kept = sqs.receiveMessage(r -> r.queueUrl(deadLetters).maxNumberOfMessages(10).waitTimeSeconds(2)
                        .messageSystemAttributeNamesWithStrings("All"))
                .messages();
        assertThat(kept).singleElement().satisfies(m -> {
            assertThat(m.body()).isEqualTo("{\"type\":\"CallAnswered\",\"callId\":\"sample-call-2\"}");
            assertThat(m.attributes()).containsEntry(
                    software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName.MESSAGE_GROUP_ID, "sample-call-2");
        });
    }

    @Test
    @Order(4)
    void dialledNumberIsRoutedToTheConfiguredCarrierWhoseFailureComesBackAsAnEvent() throws Exception {
        new DynamoDbSubscriberDirectory(dynamoDb, Resources.SUBSCRIBERS.name()).put(
                new Subscriber("sample-alice", Optional.empty(), RoutingPlan.withPstn(List.of())));
        new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name()).topUp("sample-alice", "sample-top-up",
                Money.of("10", "USD"), Instant.parse("2026-01-01T09:00:00Z"));

        assertThat(invoke(sample("call-requested-pstn.json"))).isEmpty();

        Call call = call("sample-pstn-call-1");
        assertThat(call.route()).isEqualTo(RouteKind.PSTN);
        assertThat(call.attempts()).extracting(Attempt::providerId).containsExactly("atlas");
        assertThat(call.charging().rate().prefix()).as("priced by the packaged standard plan").isEqualTo("1");
        List<CallEvent> reported = drain(Resources.CALL_STATE_CHANGES).stream()
                .map(m -> Json.readCallEvent(m.body())).filter(e -> e.callId().equals("sample-pstn-call-1")).toList();
        assertThat(reported).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
            assertThat(failed.callId()).isEqualTo("sample-pstn-call-1");
            assertThat(failed.attempt()).isEqualTo(1);
            assertThat(failed.cause()).as("the key was read from Secrets Manager; the carrier then could not be reached")
                    .contains("unreachable");
        });
        assertThat(SecretsManagerTestResource.current().reads()).isPositive();
    }

    @Test
    @Order(5)
    void aCalleeWithOnlyARegisteredDeviceIsRungByAPushHandedToThePushQueue() throws Exception {
        new DynamoDbDevices(dynamoDb, Resources.DEVICES.name()).register(new Device("sample-carol", "carol-iphone",
                PushPlatform.APNS_VOIP, "ab".repeat(32), null, Instant.parse("2026-01-01T09:00:00Z")));
        Instant at = Instant.parse("2026-01-01T10:05:00Z");
        String request = Json.write(new CallEvent.CallRequested("sample-push-1:requested", "sample-push-1", at,
                "sample-alice", "sample-alice-c1", "sample-carol"));

        assertThat(invoke(fifoEvent(request, "sample-push-1"))).isEmpty();

        Call call = call("sample-push-1");
        assertThat(call.state()).isEqualTo(CallState.RINGING);
        assertThat(call.pushedDeviceIds()).containsExactly("carol-iphone");
        assertThat(drain(Resources.CALL_PUSHES)).extracting(m -> Json.readCallCommand(m.body()))
                .containsExactly(new CallCommand.PushCallee("sample-push-1", "sample-alice", "sample-carol",
                        PushKind.RING, List.of("carol-iphone"), at.plusSeconds(45)));
    }
}
