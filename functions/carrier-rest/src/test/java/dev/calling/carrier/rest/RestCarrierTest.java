package dev.calling.carrier.rest;

import dev.calling.embedded.CallStateChangesQueue;
import dev.calling.adapters.carrier.FailedDial;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.EmbeddedAws;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The adapter against WireMock playing the carrier API, with the real carrier-legs table and queue. */
class RestCarrierTest {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static final String KEY = "test-api-key";

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static WireMockServer carrierApi;
    static CallStateChangesQueue queue;
    static DynamoDbCarrierLegs legs;

    String callId;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        queue = new CallStateChangesQueue(aws, sqs);
        legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), Clock.fixed(NOW, ZoneOffset.UTC));
        carrierApi = new WireMockServer(wireMockConfig().dynamicPort());
        carrierApi.start();
    }

    @AfterAll
    static void stop() {
        carrierApi.stop();
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    @BeforeEach
    void freshCall() {
        carrierApi.resetAll();
        queue.drain();
        callId = "call-" + UUID.randomUUID();
    }

    static RestCarrierConfig config(String baseUrl) {
        return new RestCarrierConfig("acme", URI.create(baseUrl + "/"), CarrierSecret.fixed(KEY), "+14155550100",
                URI.create("https://calls.example/carrier-webhooks/acme"), "sip:{connectionId}@media.calling.example",
                Duration.ofMillis(500), Duration.ofMillis(800));
    }

    static RestCarrier carrier(String baseUrl) {
        return new RestCarrier(new RestCarrierApi(config(baseUrl)), legs,
                new SqsCallStateChanges(sqs, queue.url()), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static RestCarrier carrier() {
        return carrier(carrierApi.baseUrl());
    }

    CallCommand.DialNumber dial(int attempt) {
        return new CallCommand.DialNumber(callId, attempt, "acme", "alice", "alice-c1", "+442071838750", null);
    }

    static void carrierAnswersDial(int status, String body) {
        carrierApi.stubFor(post("/v1/calls").willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    CallEvent.CallFailed dialFailure(int attempt, int sipCode, String cause) {
        return new CallEvent.CallFailed(callId + ":" + attempt + ":dial-failed", callId, NOW, attempt, 1, sipCode, cause);
    }

    @Test
    void dialPostsTheCallWithKeyAndIdempotencyKeyAndRemembersTheCarriersCallId() {
        carrierAnswersDial(201, "{\"callId\":\"CA-1001\",\"status\":\"queued\"}");

        carrier().dial(dial(1));

        carrierApi.verify(1, postRequestedFor(urlEqualTo("/v1/calls"))
                .withHeader("Authorization", equalTo("Bearer " + KEY))
                .withHeader("Idempotency-Key", equalTo(callId + ":1"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(equalToJson("""
                        {"to":"+442071838750","from":"+14155550100","clientReference":"%s:1",
                         "statusCallbackUrl":"https://calls.example/carrier-webhooks/acme"}""".formatted(callId))));
        assertThat(legs.byCall(callId, 1)).map(CarrierLeg::carrierLegId).contains("CA-1001");
        assertThat(legs.byCarrierLeg("acme", "CA-1001")).map(CarrierLeg::callId).contains(callId);
        assertThat(queue.drain()).as("a placed call is reported by the carrier's callbacks, not by the dial").isEmpty();
    }

    @Test
    void aRepeatedDialOfAPlacedAttemptSendsNothing() {
        carrierAnswersDial(201, "{\"callId\":\"CA-1002\",\"status\":\"queued\"}");

        carrier().dial(dial(1));
        carrier().dial(dial(1));

        carrierApi.verify(1, postRequestedFor(urlEqualTo("/v1/calls")));
    }

    @Test
    void theNextAttemptIsANewCallWithItsOwnIdempotencyKey() {
        carrierAnswersDial(201, "{\"callId\":\"CA-1003\",\"status\":\"queued\"}");
        carrier().dial(dial(1));
        carrierAnswersDial(201, "{\"callId\":\"CA-1004\",\"status\":\"queued\"}");

        carrier().dial(dial(2));

        carrierApi.verify(1, postRequestedFor(urlEqualTo("/v1/calls")).withHeader("Idempotency-Key", equalTo(callId + ":2")));
        assertThat(legs.byCall(callId, 2)).map(CarrierLeg::carrierLegId).contains("CA-1004");
    }

    @Test
    void a503FailsTheAttemptOverWithCallFailedOnTheQueue() {
        carrierAnswersDial(503, "{\"error\":\"maintenance\"}");

        carrier().dial(dial(1));

        assertThat(queue.drain()).containsExactly(dialFailure(1, 503, "acme refused the call: HTTP 503"));
    }

    @Test
    void a429IsAnOverloadedCarrier503() {
        carrierAnswersDial(429, "{}");

        carrier().dial(dial(2));

        assertThat(queue.drain()).containsExactly(dialFailure(2, 503, "acme refused the call: HTTP 429"));
    }

    @Test
    void aTimeoutIsACarrierFailureWithoutSipCode() {
        carrierApi.stubFor(post("/v1/calls").willReturn(aResponse().withStatus(201).withFixedDelay(2_000)
                .withBody("{\"callId\":\"CA-late\"}")));

        carrier().dial(dial(1));

        assertThat(queue.drain()).containsExactly(dialFailure(1, 0, "acme did not answer within its timeout"));
    }

    @Test
    void aRefusedConnectionIsACarrierFailure() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        carrier("http://127.0.0.1:" + closedPort).dial(dial(1));

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
            assertThat(failed.sipCode()).isZero();
            assertThat(failed.switchSequence()).isEqualTo(1);
            assertThat(failed.cause()).startsWith("acme unreachable");
        });
    }

    @Test
    void aDroppedConnectionIsACarrierFailure() {
        carrierApi.stubFor(post("/v1/calls").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        carrier().dial(dial(1));

        assertThat(queue.drain()).extracting(CallEvent::eventId).containsExactly(callId + ":1:dial-failed");
    }

    @Test
    void anUnreadableReplyIsACarrierFailure() {
        carrierAnswersDial(201, "<html>gateway</html>");

        carrier().dial(dial(1));

        assertThat(queue.drain()).containsExactly(dialFailure(1, 0, "acme answered HTTP 201 without a usable callId"));
    }

    @Test
    void aRedeliveredFailedDialRepublishesTheSameEventAndDoesNotDialAgain() {
        carrierAnswersDial(503, "{}");
        carrier().dial(dial(1));
        CallEvent first = queue.drain().get(0);
        // A second FIFO queue, so the republished message is not hidden by the first one's dedup window.
        String otherQueue = sqs.createQueue(r -> r.queueName("redelivery-" + UUID.randomUUID().toString().substring(0, 8)
                + ".fifo").attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        RestCarrier afterCrash = new RestCarrier(new RestCarrierApi(config(carrierApi.baseUrl())), legs,
                new SqsCallStateChanges(sqs, otherQueue), Clock.fixed(NOW, ZoneOffset.UTC));

        afterCrash.dial(dial(1));

        carrierApi.verify(1, postRequestedFor(urlEqualTo("/v1/calls")));
        List<Message> republished = sqs.receiveMessage(r -> r.queueUrl(otherQueue).waitTimeSeconds(1)).messages();
        assertThat(republished).singleElement().satisfies(m -> {
            CallEvent event = Json.readCallEvent(m.body());
            assertThat(event.eventId()).isEqualTo(first.eventId());
            assertThat(event).isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
                assertThat(failed.switchSequence()).isEqualTo(1);
                assertThat(failed.sipCode()).isEqualTo(503);
            });
        });
    }

    @Test
    void aTimedOutDialWhoseCallbackArrivedMeanwhileIsNotFailed() throws Exception {
        carrierApi.stubFor(post("/v1/calls").willReturn(aResponse().withStatus(201).withFixedDelay(2_000)));
        // While our request waits (it times out after 800 ms), the carrier's "ringing" callback
        // registers its call, as CarrierWebhook does for a call it does not know yet.
        CompletableFuture<Void> callback = CompletableFuture.runAsync(() -> {
            sleep(300);
            legs.register(callId, 1, "acme", "CA-early");
        });

        carrier().dial(dial(1));
        callback.get();

        assertThat(queue.drain()).as("the call exists and reports itself: the attempt must not fail over").isEmpty();
        assertThat(legs.byCall(callId, 1)).map(CarrierLeg::carrierLegId).contains("CA-early");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void hangUpPostsToTheCarriersCall() {
        legs.register(callId, 1, "acme", "CA-2001");
        carrierApi.stubFor(post("/v1/calls/CA-2001/hangup").willReturn(aResponse().withStatus(200)));

        carrier().hangUp(new CallCommand.HangUpNumber(callId, 1, "acme"));

        carrierApi.verify(1, postRequestedFor(urlEqualTo("/v1/calls/CA-2001/hangup"))
                .withHeader("Authorization", equalTo("Bearer " + KEY)));
    }

    @Test
    void hangingUpACallThatAlreadyEndedIsDone() {
        legs.register(callId, 1, "acme", "CA-2002");
        carrierApi.stubFor(post("/v1/calls/CA-2002/hangup").willReturn(aResponse().withStatus(404)));
        legs.register(callId, 2, "acme", "CA-2003");
        carrierApi.stubFor(post("/v1/calls/CA-2003/hangup").willReturn(aResponse().withStatus(409)));

        carrier().hangUp(new CallCommand.HangUpNumber(callId, 1, "acme"));
        carrier().hangUp(new CallCommand.HangUpNumber(callId, 2, "acme"));

        carrierApi.verify(2, postRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.urlMatching("/v1/calls/.*/hangup")));
    }

    @Test
    void hangUpFailureThrowsSoTheCommandIsRedelivered() {
        legs.register(callId, 1, "acme", "CA-2004");
        carrierApi.stubFor(post("/v1/calls/CA-2004/hangup").willReturn(aResponse().withStatus(502)));

        assertThatThrownBy(() -> carrier().hangUp(new CallCommand.HangUpNumber(callId, 1, "acme")))
                .isInstanceOf(CarrierApiException.class).hasMessageContaining("HTTP 502");
    }

    @Test
    void hangUpOfAnAttemptWithoutCarrierCallSendsNothing() {
        carrierAnswersDial(503, "{}");
        carrier().dial(dial(1)); // failed: the attempt holds a failed-dial marker

        carrier().hangUp(new CallCommand.HangUpNumber(callId, 1, "acme"));
        carrier().hangUp(new CallCommand.HangUpNumber(callId, 7, "acme"));

        carrierApi.verify(0, postRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.urlMatching("/v1/calls/.*/hangup")));
    }

    @Test
    void bridgeConnectsTheCarriersCallToTheCallersConnection() {
        legs.register(callId, 1, "acme", "CA-3001");
        carrierApi.stubFor(post("/v1/calls/CA-3001/bridge").willReturn(aResponse().withStatus(200)));

        carrier().bridge(new CallCommand.BridgeToNumber(callId, 1, "acme", "alice", "alice-c1"));

        carrierApi.verify(1, postRequestedFor(urlEqualTo("/v1/calls/CA-3001/bridge"))
                .withHeader("Authorization", equalTo("Bearer " + KEY))
                .withRequestBody(equalToJson("{\"sipUri\":\"sip:alice-c1@media.calling.example\"}")));
    }

    @Test
    void bridgeFailureThrowsSoTheCommandIsRedelivered() {
        legs.register(callId, 1, "acme", "CA-3002");
        carrierApi.stubFor(post("/v1/calls/CA-3002/bridge").willReturn(aResponse().withStatus(500)));

        assertThatThrownBy(() -> carrier().bridge(new CallCommand.BridgeToNumber(callId, 1, "acme", "alice", "alice-c1")))
                .isInstanceOf(CarrierApiException.class).hasMessageContaining("HTTP 500");
    }

    @Test
    void bridgingACallTheCarrierHasAlreadyEndedIsNotRetried() {
        legs.register(callId, 1, "acme", "CA-3003");
        carrierApi.stubFor(post("/v1/calls/CA-3003/bridge").willReturn(aResponse().withStatus(409)));

        carrier().bridge(new CallCommand.BridgeToNumber(callId, 1, "acme", "alice", "alice-c1"));

        carrierApi.verify(1, postRequestedFor(urlEqualTo("/v1/calls/CA-3003/bridge")));
    }

    @Test
    void bridgeOfAnUnknownAttemptThrows() {
        assertThatThrownBy(() -> carrier().bridge(new CallCommand.BridgeToNumber(callId, 1, "acme", "alice", "alice-c1")))
                .isInstanceOf(IllegalStateException.class);
        carrierApi.verify(0, postRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
    }


    // ---- check: GET /v1/calls/{id} -----------------------------------------------------------

    static void carrierReportsCall(String carrierCallId, int status, String body) {
        carrierApi.stubFor(get("/v1/calls/" + carrierCallId).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    CallCommand.CheckNumber check(int attempt) {
        return new CallCommand.CheckNumber(callId, attempt, "acme");
    }

    CallEvent.CallHungUp legEnded(int attempt, Instant at) {
        return new CallEvent.CallHungUp(callId + ":" + attempt + ":leg-ended", callId, at, attempt, 0, Party.CALLEE);
    }

    @Test
    void checkOfALegTheCarrierSaysCompletedReportsTheCalleesHangUpAtTheCarriersEndTime() {
        legs.register(callId, 1, "acme", "CA-4001");
        carrierReportsCall("CA-4001", 200, "{\"callId\":\"CA-4001\",\"status\":\"completed\",\"endedAt\":\"2026-11-23T09:58:41Z\"}");

        carrier().check(check(1));

        carrierApi.verify(1, getRequestedFor(urlEqualTo("/v1/calls/CA-4001"))
                .withHeader("Authorization", equalTo("Bearer " + KEY)).withHeader("Accept", equalTo("application/json")));
        assertThat(queue.drain()).as("unsequenced, at the carrier's end time, not at our clock's")
                .containsExactly(legEnded(1, Instant.parse("2026-11-23T09:58:41Z")));
    }

    @Test
    void askingAgainPublishesTheSameEvent() {
        legs.register(callId, 2, "acme", "CA-4002");
        carrierReportsCall("CA-4002", 200, "{\"callId\":\"CA-4002\",\"status\":\"completed\",\"endedAt\":\"2026-11-23T09:59:05Z\"}");
        // A second FIFO queue, so the repeat is not hidden by the first one's dedup window.
        String otherQueue = sqs.createQueue(r -> r.queueName("check-" + UUID.randomUUID().toString().substring(0, 8)
                + ".fifo").attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        RestCarrier nextTick = new RestCarrier(new RestCarrierApi(config(carrierApi.baseUrl())), legs,
                new SqsCallStateChanges(sqs, otherQueue), Clock.fixed(NOW.plusSeconds(60), ZoneOffset.UTC));

        carrier().check(check(2));
        carrier().check(check(2));
        nextTick.check(check(2));

        carrierApi.verify(3, getRequestedFor(urlEqualTo("/v1/calls/CA-4002")));
        assertThat(queue.drain()).as("the repeat has the same deduplication id").containsExactly(
                legEnded(2, Instant.parse("2026-11-23T09:59:05Z")));
        List<Message> again = sqs.receiveMessage(r -> r.queueUrl(otherQueue).waitTimeSeconds(1)).messages();
        assertThat(again).extracting(m -> Json.readCallEvent(m.body()))
                .containsExactly(legEnded(2, Instant.parse("2026-11-23T09:59:05Z")));
    }

    @Test
    void checkOfALegStillUpPublishesNothing() {
        legs.register(callId, 1, "acme", "CA-4003");
        carrierReportsCall("CA-4003", 200, "{\"callId\":\"CA-4003\",\"status\":\"answered\"}");
        legs.register(callId, 2, "acme", "CA-4004");
        carrierReportsCall("CA-4004", 200, "{\"callId\":\"CA-4004\",\"status\":\"on-hold\"}");

        carrier().check(check(1));
        carrier().check(check(2));

        carrierApi.verify(1, getRequestedFor(urlEqualTo("/v1/calls/CA-4003")));
        carrierApi.verify(1, getRequestedFor(urlEqualTo("/v1/calls/CA-4004")));
        assertThat(queue.drain()).as("answered, or a status we do not know, is not an end").isEmpty();
    }

    @Test
    void checkOfAnAttemptWithoutCarrierCallAsksNothingAndPublishesNothing() {
        carrierAnswersDial(503, "{}");
        carrier().dial(dial(1)); // failed: the attempt holds a failed-dial marker
        queue.drain();
        // attempt 2 did get a call, which has ended: the only one asked about and reported
        legs.register(callId, 2, "acme", "CA-4005");
        carrierApi.stubFor(get(com.github.tomakehurst.wiremock.client.WireMock.urlMatching("/v1/calls/.*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"callId\":\"CA-4005\",\"status\":\"completed\",\"endedAt\":\"2026-11-23T09:59:30Z\"}")));

        carrier().check(check(1));
        carrier().check(check(7));
        carrier().check(check(2));

        carrierApi.verify(1, getRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
        carrierApi.verify(1, getRequestedFor(urlEqualTo("/v1/calls/CA-4005")));
        assertThat(queue.drain()).containsExactly(legEnded(2, Instant.parse("2026-11-23T09:59:30Z")));
    }

    @Test
    void aCarrierFailureIsLoggedNotThrownAndPublishesNothing() {
        legs.register(callId, 1, "acme", "CA-4006");
        carrierReportsCall("CA-4006", 503, "{\"error\":\"maintenance\"}");
        legs.register(callId, 2, "acme", "CA-4007");
        carrierApi.stubFor(get("/v1/calls/CA-4007").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        legs.register(callId, 3, "acme", "CA-4008");
        carrierReportsCall("CA-4008", 200, "<html>gateway</html>");

        carrier().check(check(1));
        carrier().check(check(2));
        carrier().check(check(3));

        carrierApi.verify(1, getRequestedFor(urlEqualTo("/v1/calls/CA-4006")));
        // the JDK's client repeats an idempotent GET once by itself after a reset connection
        carrierApi.verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(1),
                getRequestedFor(urlEqualTo("/v1/calls/CA-4007")));
        carrierApi.verify(1, getRequestedFor(urlEqualTo("/v1/calls/CA-4008")));
        assertThat(queue.drain()).as("the next check asks again").isEmpty();
    }

    @Test
    void aCallTheCarrierDoesNotKnowIsNotEnded() {
        legs.register(callId, 1, "acme", "CA-4009");
        carrierReportsCall("CA-4009", 404, "{\"error\":\"not found\"}");

        carrier().check(check(1));

        carrierApi.verify(1, getRequestedFor(urlEqualTo("/v1/calls/CA-4009")));
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void aFinalStatusWithoutEndedAtEndsTheLegAtOurClock() {
        legs.register(callId, 1, "acme", "CA-4010");
        carrierReportsCall("CA-4010", 200, "{\"callId\":\"CA-4010\",\"status\":\"failed\"}");

        carrier().check(check(1));

        assertThat(queue.drain()).containsExactly(legEnded(1, NOW));
    }

    @Test
    void checksForAnotherCarrierAreRefused() {
        assertThatThrownBy(() -> carrier().check(new CallCommand.CheckNumber(callId, 1, "other")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void commandsForAnotherCarrierAreRefused() {
        assertThatThrownBy(() -> carrier().dial(new CallCommand.DialNumber(callId, 1, "other", "alice", "alice-c1", "+442071838750", null)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
