package dev.calling.carrier.rest;

import dev.calling.embedded.CallStateChangesQueue;
import dev.calling.adapters.carrier.FailedDial;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.EmbeddedAws;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** Status callbacks through {@link CarrierWebhook} onto the real FIFO queue, legs in the real table. */
class CarrierWebhookTest {

    static final String SECRET = "whsec_test_acme";
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static final Instant EVENT_AT = Instant.parse("2026-11-23T09:59:58Z");

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static CallStateChangesQueue queue;
    static DynamoDbCarrierLegs legs;

    final List<String> released = new ArrayList<>();
    CarrierWebhook webhook;
    String callId;
    String carrierCallId;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        queue = new CallStateChangesQueue(aws, sqs);
        legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    @BeforeEach
    void fresh() {
        queue.drain();
        webhook = new CarrierWebhook(provider -> provider.equals("acme") ? Optional.of(CarrierSecret.fixed(List.of(SECRET))) : Optional.empty(), legs,
                new SqsCallStateChanges(sqs, queue.url()), (provider, id) -> released.add(provider + "/" + id),
                Clock.fixed(NOW, ZoneOffset.UTC));
        String unique = UUID.randomUUID().toString().substring(0, 8);
        callId = "call-" + unique;
        carrierCallId = "CA-" + unique;
    }

    String body(int attempt, long sequence, String status, String extra) {
        return """
                {"callId":"%s","clientReference":"%s:%d","sequence":%d,"status":"%s",%s"timestamp":"%s"}"""
                .formatted(carrierCallId, callId, attempt, sequence, status, extra, EVENT_AT);
    }

    WebhookResult deliver(String body) {
        return deliver("acme", body, NOW.getEpochSecond(), SECRET);
    }

    WebhookResult deliver(String provider, String body, long timestamp, String secret) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        // Lower-case names, as API Gateway passes them.
        return webhook.handle(provider, Map.of("x-carrier-timestamp", Long.toString(timestamp),
                "x-carrier-signature", WebhookSignature.sign(secret, timestamp, bytes)), bytes);
    }

    static Stream<Arguments> statuses() {
        return Stream.of(
                Arguments.of("ringing", "", (Expected) (id, call, leg) -> new CallEvent.CallRinging(id, call, EVENT_AT, 2, 3)),
                Arguments.of("answered", "", (Expected) (id, call, leg) -> new CallEvent.CallAnswered(id, call, EVENT_AT, 2, 3, leg)),
                Arguments.of("completed", "\"hungUpBy\":\"callee\",", (Expected) (id, call, leg) ->
                        new CallEvent.CallHungUp(id, call, EVENT_AT, 2, 3, Party.CALLEE)),
                Arguments.of("completed", "\"hungUpBy\":\"caller\",", (Expected) (id, call, leg) ->
                        new CallEvent.CallHungUp(id, call, EVENT_AT, 2, 3, Party.CALLER)),
                Arguments.of("canceled", "", (Expected) (id, call, leg) ->
                        new CallEvent.CallHungUp(id, call, EVENT_AT, 2, 3, Party.CALLER)),
                Arguments.of("busy", "\"sipCode\":486,", (Expected) (id, call, leg) ->
                        new CallEvent.CallFailed(id, call, EVENT_AT, 2, 3, 486, "busy")),
                Arguments.of("declined", "", (Expected) (id, call, leg) ->
                        new CallEvent.CallFailed(id, call, EVENT_AT, 2, 3, 603, "declined")),
                Arguments.of("no-answer", "", (Expected) (id, call, leg) ->
                        new CallEvent.CallFailed(id, call, EVENT_AT, 2, 3, 487, "no answer")),
                Arguments.of("failed", "\"sipCode\":503,", (Expected) (id, call, leg) ->
                        new CallEvent.CallFailed(id, call, EVENT_AT, 2, 3, 503, "acme reported the call failed")),
                Arguments.of("failed", "", (Expected) (id, call, leg) ->
                        new CallEvent.CallFailed(id, call, EVENT_AT, 2, 3, 0, "acme reported the call failed")));
    }

    interface Expected {
        CallEvent event(String eventId, String callId, String carrierCallId);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("statuses")
    void eachStatusBecomesItsCallEventWithTheCarriersSequenceAndTheAttemptOfItsReference(String status, String extra,
            Expected expected) {
        WebhookResult result = deliver(body(2, 3, status, extra));

        assertThat(result).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(queue.drain()).containsExactly(expected.event("acme:" + carrierCallId + ":3", callId, carrierCallId));
    }

    @Test
    void aCallbackBeforeTheDialsReplyRegistersTheLeg() {
        deliver(body(1, 1, "ringing", ""));

        assertThat(legs.byCall(callId, 1)).map(CarrierLeg::carrierLegId).contains(carrierCallId);
        assertThat(legs.byCarrierLeg("acme", carrierCallId)).map(CarrierLeg::attempt).contains(1);
    }

    @Test
    void aDuplicateCallbackPublishesTheIdenticalMessageWhichTheFifoQueueDrops() {
        String ringing = body(1, 1, "ringing", "");

        assertThat(deliver(ringing)).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(deliver(ringing)).isInstanceOf(WebhookResult.Accepted.class);

        List<Message> messages = queue.drainMessages();
        assertThat(messages).hasSize(1);
        assertThat(messages.get(0).body()).contains("\"eventId\":\"acme:" + carrierCallId + ":1\"");
    }

    @Test
    void aBadSignatureIsRefusedAndNothingIsPublishedOrRegistered() {
        WebhookResult result = deliver("acme", body(1, 1, "answered", ""), NOW.getEpochSecond(), "not-the-secret");

        assertThat(result).isEqualTo(new WebhookResult.Rejected(401, "Signature refused", "signature does not match"));
        assertThat(queue.drain()).isEmpty();
        assertThat(legs.byCall(callId, 1)).isEmpty();
    }

    @Test
    void aTamperedBodyIsRefused() {
        byte[] signedFor = body(1, 1, "ringing", "").getBytes(StandardCharsets.UTF_8);
        byte[] sent = body(1, 1, "answered", "").getBytes(StandardCharsets.UTF_8);

        WebhookResult result = webhook.handle("acme", Map.of("X-Carrier-Timestamp", Long.toString(NOW.getEpochSecond()),
                "X-Carrier-Signature", WebhookSignature.sign(SECRET, NOW.getEpochSecond(), signedFor)), sent);

        assertThat(result).isInstanceOfSatisfying(WebhookResult.Rejected.class, r -> assertThat(r.status()).isEqualTo(401));
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void aCorrectlySignedButOldCallbackIsRefusedAsAReplay() {
        WebhookResult result = deliver("acme", body(1, 1, "ringing", ""), NOW.minusSeconds(301).getEpochSecond(), SECRET);

        assertThat(result).isInstanceOfSatisfying(WebhookResult.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.detail()).contains("replay refused");
        });
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void unsignedCallbacksAreRefused() {
        WebhookResult result = webhook.handle("acme", Map.of(), body(1, 1, "ringing", "").getBytes(StandardCharsets.UTF_8));

        assertThat(result).isInstanceOfSatisfying(WebhookResult.Rejected.class, r -> assertThat(r.status()).isEqualTo(401));
    }

    @Test
    void malformedBodiesAreRefusedWith400() {
        List<String> bodies = List.of(
                "not json",
                "[1,2]",
                body(1, 0, "ringing", ""),
                body(1, 1, "completed", ""), // completed without hungUpBy
                body(1, 1, "failed", "\"sipCode\":\"503\","),
                """
                {"callId":"CA-1","clientReference":"no-attempt","sequence":1,"status":"ringing","timestamp":"%s"}"""
                        .formatted(EVENT_AT),
                """
                {"callId":"CA/../1","clientReference":"c:1","sequence":1,"status":"ringing","timestamp":"%s"}"""
                        .formatted(EVENT_AT),
                """
                {"callId":"CA-1","clientReference":"c:1","sequence":1,"status":"ringing","timestamp":"yesterday"}""");

        for (String body : bodies) {
            assertThat(deliver(body)).as(body).isInstanceOfSatisfying(WebhookResult.Rejected.class, r -> {
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.detail()).isNotBlank();
            });
        }
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void anUnknownStatusIsRefusedWith422() {
        WebhookResult result = deliver(body(1, 1, "on-hold", ""));

        assertThat(result).isInstanceOfSatisfying(WebhookResult.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.detail()).contains("on-hold");
        });
        assertThat(queue.drain()).isEmpty();
        assertThat(legs.byCall(callId, 1)).as("refused before any write").isEmpty();
    }

    @Test
    void anUnknownCarrierIsRefusedWith404() {
        assertThat(deliver("other", body(1, 1, "ringing", ""), NOW.getEpochSecond(), SECRET))
                .isInstanceOfSatisfying(WebhookResult.Rejected.class, r -> assertThat(r.status()).isEqualTo(404));
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void aCallbackWhoseReferenceContradictsTheKnownLegIsRefused() {
        legs.register(callId, 1, "acme", carrierCallId);

        assertThat(deliver(body(2, 1, "ringing", "")))
                .isInstanceOfSatisfying(WebhookResult.Rejected.class, r -> assertThat(r.status()).isEqualTo(400));
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void aCallForAnAttemptWhoseDialWasGivenUpIsHungUpAndNotReported() {
        // The dial timed out and failed the attempt over (its marker holds the attempt) ...
        legs.register(callId, 1, "acme", FailedDial.marker(0, callId, 1));

        // ... then the carrier reports the call it did create after all.
        WebhookResult ringing = deliver(body(1, 1, "ringing", ""));
        WebhookResult ended = deliver(body(1, 2, "canceled", ""));

        assertThat(ringing).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(ended).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(released).as("hung up once; the final callback needs nothing").containsExactly("acme/" + carrierCallId);
        assertThat(queue.drain()).isEmpty();
    }
}
