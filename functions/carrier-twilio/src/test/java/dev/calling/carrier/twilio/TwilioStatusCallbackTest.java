package dev.calling.carrier.twilio;

import dev.calling.embedded.CallStateChangesQueue;
import dev.calling.adapters.carrier.FailedDial;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallState;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.Party;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import dev.calling.embedded.EmbeddedAws;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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

/**
 * Twilio status callbacks through {@link TwilioStatusCallback} onto the real FIFO queue, legs in
 * the real table, orphan hang-ups against WireMock. The callbacks carry the parameters the Call
 * resource documents for status callbacks (https://www.twilio.com/docs/voice/api/call-resource,
 * "Parameters sent to your StatusCallback URL" and "Additional Parameters for StatusCallback Events").
 */
class TwilioStatusCallbackTest {

    static final Instant EVENT_AT = Fixtures.NOW.minusSeconds(2);
    static final AtomicLong SIDS = new AtomicLong(0x5000);

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static WireMockServer twilio;
    static CallStateChangesQueue queue;
    static DynamoDbCarrierLegs legs;

    TwilioStatusCallback webhook;
    String callId;
    String callSid;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        queue = new CallStateChangesQueue(aws, sqs);
        legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), Clock.fixed(Fixtures.NOW, ZoneOffset.UTC));
        twilio = new WireMockServer(wireMockConfig().dynamicPort());
        twilio.start();
    }

    @AfterAll
    static void stop() {
        twilio.stop();
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    @BeforeEach
    void fresh() {
        twilio.resetAll();
        queue.drain();
        webhook = new TwilioStatusCallback(new TwilioApi(Fixtures.config(twilio.baseUrl())), legs,
                new SqsCallStateChanges(sqs, queue.url()), Clock.fixed(Fixtures.NOW, ZoneOffset.UTC));
        callId = "call-" + UUID.randomUUID().toString().substring(0, 8);
        callSid = Fixtures.callSid(SIDS.incrementAndGet());
    }

    String query(int attempt) {
        return "callId=" + callId + "&attempt=" + attempt;
    }

    /** A status callback's form as Twilio posts it. */
    Map<String, String> callback(String status, long sequence, String sipCode) {
        return callback(callSid, status, sequence, sipCode, EVENT_AT);
    }

    static Map<String, String> callback(String sid, String status, long sequence, String sipCode, Instant at) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("Called", Fixtures.TO);
        form.put("ToState", "");
        form.put("CallerCountry", "US");
        form.put("Direction", "outbound-api");
        form.put("Timestamp", Fixtures.rfc2822(at));
        form.put("CallbackSource", "call-progress-events");
        form.put("SequenceNumber", Long.toString(sequence));
        form.put("CallSid", sid);
        form.put("To", Fixtures.TO);
        form.put("ToCountry", "GB");
        form.put("ApiVersion", "2010-04-01");
        form.put("CallStatus", status);
        form.put("From", Fixtures.FROM);
        form.put("AccountSid", Fixtures.ACCOUNT_SID);
        form.put("Caller", Fixtures.FROM);
        if (sipCode != null) {
            form.put("SipResponseCode", sipCode);
        }
        if (status.equals("completed")) {
            form.put("CallDuration", "42");
            form.put("Duration", "1");
        }
        return form;
    }

    TwilioWebhookResult deliver(String rawQuery, Map<String, String> form) {
        return deliver(rawQuery, form, Fixtures.AUTH_TOKEN, Fixtures.CALLBACK_URL + "?" + rawQuery);
    }

    TwilioWebhookResult deliver(String rawQuery, Map<String, String> form, String token, String signedUrl) {
        String signature = TwilioSignature.sign(token, signedUrl, form);
        // Lower-case header names, as API Gateway passes them.
        return webhook.handle(rawQuery, Map.of("x-twilio-signature", signature,
                "content-type", "application/x-www-form-urlencoded"), body(form));
    }

    static byte[] body(Map<String, String> form) {
        return Fixtures.form(new ArrayList<>(form.entrySet())).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCallbackSignedWithARotatedAuthTokenIsTakenOnceTheSecretIsReadAgainAndAForgeryIsNot() {
        TwilioSecrets rotated = new TwilioSecrets("rotated_auth_token_0123456789abc", Fixtures.API_KEY_SECRET);
        AtomicReference<TwilioSecrets> inSecretsManager = new AtomicReference<>(Fixtures.SECRETS);
        AtomicReference<TwilioSecrets> cached = new AtomicReference<>(Fixtures.SECRETS);
        AtomicInteger reads = new AtomicInteger();
        TwilioSecretSource source = new TwilioSecretSource() {
            @Override
            public TwilioSecrets get() {
                return cached.get();
            }

            @Override
            public boolean refused() {
                reads.incrementAndGet();
                cached.set(inSecretsManager.get());
                return true;
            }
        };
        webhook = new TwilioStatusCallback(new TwilioApi(Fixtures.config(twilio.baseUrl(), source)), legs,
                new SqsCallStateChanges(sqs, queue.url()), Clock.fixed(Fixtures.NOW, ZoneOffset.UTC));
        inSecretsManager.set(rotated);

        TwilioWebhookResult taken = deliver(query(1), callback("ringing", 0, null), rotated.authToken(),
                Fixtures.CALLBACK_URL + "?" + query(1));
        TwilioWebhookResult forged = deliver(query(1), callback("in-progress", 1, null), Fixtures.AUTH_TOKEN,
                Fixtures.CALLBACK_URL + "?" + query(1)); // the old token no longer signs

        assertThat(taken).isInstanceOf(TwilioWebhookResult.Accepted.class);
        assertThat(forged.status()).isEqualTo(403);
        assertThat(reads).hasValue(2);
        assertThat(queue.drain()).singleElement().isInstanceOf(CallEvent.CallRinging.class);
    }

    static Stream<Arguments> statuses() {
        return Stream.of(
                Arguments.of("ringing", 0, null, (Expected) (id, call, sid) -> new CallEvent.CallRinging(id, call, EVENT_AT, 2, 1)),
                Arguments.of("in-progress", 1, null, (Expected) (id, call, sid) ->
                        new CallEvent.CallAnswered(id, call, EVENT_AT, 2, 2, sid)),
                Arguments.of("completed", 2, "200", (Expected) (id, call, sid) ->
                        new CallEvent.CallHungUp(id, call, EVENT_AT, 2, 3, Party.CALLEE)),
                Arguments.of("canceled", 1, "487", (Expected) (id, call, sid) ->
                        new CallEvent.CallHungUp(id, call, EVENT_AT, 2, 2, Party.CALLER)),
                Arguments.of("busy", 1, "486", failed(2, 486, "busy")),
                Arguments.of("busy", 0, null, failed(1, 486, "busy")),
                Arguments.of("no-answer", 1, "487", failed(2, 487, "no answer")),
                Arguments.of("no-answer", 1, "480", failed(2, 480, "no answer")),
                Arguments.of("no-answer", 1, "603", failed(2, 603, "no answer")),
                Arguments.of("no-answer", 1, "408", failed(2, 487, "no answer")),
                Arguments.of("no-answer", 1, null, failed(2, 487, "no answer")),
                Arguments.of("failed", 0, "503", failed(1, 503, "twilio reported the call failed")),
                Arguments.of("failed", 0, "408", failed(1, 408, "twilio reported the call failed")),
                Arguments.of("failed", 0, null, failed(1, 503, "twilio reported the call failed")),
                Arguments.of("failed", 0, "404", failed(1, 404, "twilio reported the call failed")),
                Arguments.of("failed", 0, "484", failed(1, 484, "twilio reported the call failed")));
    }

    static Expected failed(long sequence, int sip, String cause) {
        return (id, call, sid) -> new CallEvent.CallFailed(id, call, EVENT_AT, 2, sequence, sip, cause);
    }

    interface Expected {
        CallEvent event(String eventId, String callId, String callSid);
    }

    @ParameterizedTest(name = "{0} #{1} SIP {2}")
    @MethodSource("statuses")
    void eachStatusBecomesItsCallEventNumberedSequenceNumberPlusOne(String status, long sequence, String sip, Expected expected) {
        TwilioWebhookResult result = deliver(query(2), callback(status, sequence, sip));

        assertThat(result).isInstanceOf(TwilioWebhookResult.Accepted.class);
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.body()).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
        assertThat(queue.drain()).containsExactly(expected.event("twilio:" + callSid + ":" + sequence, callId, callSid));
    }

    @Test
    void statusesNotSubscribedToPublishNothing() {
        assertThat(deliver(query(1), callback("initiated", 0, null))).isInstanceOf(TwilioWebhookResult.Accepted.class);
        assertThat(deliver(query(1), callback("queued", 0, null))).isInstanceOf(TwilioWebhookResult.Accepted.class);

        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void aCallbackBeforeTheDialsReplyRegistersTheLeg() {
        deliver(query(1), callback("ringing", 0, null));

        assertThat(legs.byCall(callId, 1)).map(CarrierLeg::carrierLegId).contains(callSid);
        assertThat(legs.byCarrierLeg(Fixtures.PROVIDER, callSid)).map(CarrierLeg::attempt).contains(1);
    }

    @Test
    void aDuplicateOrReplayedFreshCallbackIsTheIdenticalMessageWhichTheFifoQueueDrops() {
        Map<String, String> ringing = callback("ringing", 0, null);

        assertThat(deliver(query(1), ringing)).isInstanceOf(TwilioWebhookResult.Accepted.class);
        assertThat(deliver(query(1), ringing)).isInstanceOf(TwilioWebhookResult.Accepted.class);

        List<Message> messages = queue.drainMessages();
        assertThat(messages).hasSize(1);
        assertThat(messages.get(0).body()).contains("\"eventId\":\"twilio:" + callSid + ":0\"");
    }

    // ---- order: reordered and duplicated callbacks through the call state machine --------------

    static final Rate COST = new Rate("44", Money.of("0.01", "USD"), Money.of("0", "USD"), BillingIncrement.PER_MINUTE,
            LocalDate.parse("2026-01-01"));

    /** A PSTN call to {@link Fixtures#TO} on its first attempt via "twilio", with "backup" to fail over to. */
    Call ringingPstnCall(CallStateMachine machine) {
        CallEvent.CallRequested request = new CallEvent.CallRequested("req-" + callId, callId, EVENT_AT.minusSeconds(10),
                "alice", "alice-c1", null, Fixtures.TO);
        Route route = new Route.Pstn(PhoneNumber.parse(Fixtures.TO), List.of(new Route.ProviderOption("twilio", COST),
                new Route.ProviderOption("backup", COST)));
        return machine.start(request, List.of("alice-c1"), route).call();
    }

    Call apply(CallStateMachine machine, Call call, List<CallEvent> events) {
        for (CallEvent event : events) {
            call = machine.apply(call, event).call();
        }
        return call;
    }

    @Test
    void callbacksArrivingOutOfOrderAndTwiceBecomeOneGapFreeSequenceTheStateMachineReplaysInOrder() {
        Instant ringingAt = EVENT_AT.minusSeconds(8);
        Instant answeredAt = EVENT_AT.minusSeconds(5);
        // Twilio fires ringing #0, in-progress #1, completed #2; they arrive completed, ringing, in-progress, in-progress.
        deliver(query(1), callback(callSid, "completed", 2, "200", EVENT_AT));
        deliver(query(1), callback(callSid, "ringing", 0, null, ringingAt));
        deliver(query(1), callback(callSid, "in-progress", 1, null, answeredAt));
        deliver(query(1), callback(callSid, "in-progress", 1, null, answeredAt));

        List<CallEvent> published = queue.drain();
        assertThat(published).extracting(CallEvent::switchSequence).containsExactly(3L, 1L, 2L);

        CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));
        Call call = apply(machine, ringingPstnCall(machine), published);

        assertThat(call.state()).isEqualTo(CallState.ENDED);
        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(call.answeredAt()).isEqualTo(answeredAt);
        assertThat(call.endedAt()).isEqualTo(EVENT_AT);
        assertThat(call.calleeConnectionId()).isEqualTo(callSid);
    }

    @Test
    void aFailedCallWithoutSipCodeFailsOverToTheNextCarrier() {
        deliver(query(1), callback("failed", 0, null));

        CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));
        Call ringing = ringingPstnCall(machine);
        Call call = apply(machine, ringing, queue.drain());

        assertThat(call.state()).isEqualTo(CallState.RINGING);
        assertThat(call.currentAttempt()).isEqualTo(2);
        assertThat(call.outbox()).contains(new CallCommand.HangUpNumber(callId, 1, "twilio"),
                new CallCommand.DialNumber(callId, 2, "backup", "alice", "alice-c1", Fixtures.TO, null));
    }

    @Test
    void busyAndNoAnswerEndTheCallWithoutFailover() {
        CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));
        deliver(query(1), callback("ringing", 0, null));
        deliver(query(1), callback("busy", 1, "486"));
        Call busy = apply(machine, ringingPstnCall(machine), queue.drain().stream()
                .sorted(Comparator.comparingLong(CallEvent::switchSequence)).toList());

        callId = callId + "-b";
        callSid = Fixtures.callSid(SIDS.incrementAndGet());
        deliver(query(1), callback("no-answer", 0, "487"));
        Call missed = apply(machine, ringingPstnCall(machine), queue.drain());

        assertThat(busy.endReason()).isEqualTo(EndReason.BUSY);
        assertThat(busy.currentAttempt()).isEqualTo(1);
        assertThat(missed.endReason()).isEqualTo(EndReason.MISSED);
        assertThat(missed.currentAttempt()).isEqualTo(1);
    }

    // ---- authenticity ------------------------------------------------------------------------

    void assertRefused(TwilioWebhookResult result, int status) {
        assertThat(result).isInstanceOfSatisfying(TwilioWebhookResult.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.detail()).isNotBlank();
            assertThat(r.contentType()).isEqualTo("application/problem+json");
        });
    }

    @Test
    void aForgedCallbackIsRefusedAndNothingIsPublishedOrRegistered() {
        assertRefused(deliver(query(1), callback("in-progress", 1, null), "not-the-auth-token",
                Fixtures.CALLBACK_URL + "?" + query(1)), 403);

        assertThat(queue.drain()).isEmpty();
        assertThat(legs.byCall(callId, 1)).isEmpty();
    }

    @Test
    void anUnsignedCallbackIsRefused() {
        TwilioWebhookResult result = webhook.handle(query(1), Map.of("content-type", "application/x-www-form-urlencoded"),
                body(callback("ringing", 0, null)));

        assertRefused(result, 403);
        assertThat(result.body()).contains("missing X-Twilio-Signature");
    }

    @Test
    void aCallbackSignedForAnotherUrlIsRefused() {
        // Signed for attempt 1, delivered claiming attempt 2: the query is part of the signed URL.
        assertRefused(deliver(query(2), callback("ringing", 0, null), Fixtures.AUTH_TOKEN,
                Fixtures.CALLBACK_URL + "?" + query(1)), 403);
        // Signed for another endpoint with the same account.
        assertRefused(deliver(query(1), callback("ringing", 0, null), Fixtures.AUTH_TOKEN,
                "https://other.example/hooks?" + query(1)), 403);
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void aTamperedBodyIsRefused() {
        Map<String, String> signedFor = callback("ringing", 0, null);
        Map<String, String> sent = new LinkedHashMap<>(signedFor);
        sent.put("CallStatus", "in-progress");
        String signature = TwilioSignature.sign(Fixtures.AUTH_TOKEN, Fixtures.CALLBACK_URL + "?" + query(1), signedFor);

        TwilioWebhookResult result = webhook.handle(query(1), Map.of("X-Twilio-Signature", signature), body(sent));

        assertRefused(result, 403);
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void anOldCallbackIsRefusedAsAReplayEvenWhenCorrectlySigned() {
        assertRefused(deliver(query(1), callback(callSid, "in-progress", 1, null, Fixtures.NOW.minusSeconds(3601))), 403);
        assertRefused(deliver(query(1), callback(callSid, "in-progress", 1, null, Fixtures.NOW.plusSeconds(301))), 403);

        assertThat(queue.drain()).isEmpty();
        assertThat(legs.byCall(callId, 1)).isEmpty();
    }

    @Test
    void malformedCallbacksAreRefusedWith400() {
        List<Map.Entry<String, Map<String, String>>> cases = new ArrayList<>();
        cases.add(Map.entry("attempt=1", callback("ringing", 0, null)));
        cases.add(Map.entry("callId=" + callId + "&attempt=0", callback("ringing", 0, null)));
        cases.add(Map.entry("callId=" + callId, callback("ringing", 0, null)));
        Map<String, String> badSid = callback("ringing", 0, null);
        badSid.put("CallSid", "CA/../x");
        cases.add(Map.entry(query(1), badSid));
        cases.add(Map.entry(query(1), callback("on-hold", 0, null)));
        Map<String, String> noSequence = callback("ringing", 0, null);
        noSequence.remove("SequenceNumber");
        cases.add(Map.entry(query(1), noSequence));
        cases.add(Map.entry(query(1), callback("failed", 0, "five-oh-three")));
        Map<String, String> noTimestamp = callback("ringing", 0, null);
        noTimestamp.remove("Timestamp");
        cases.add(Map.entry(query(1), noTimestamp));
        Map<String, String> otherAccount = callback("ringing", 0, null);
        otherAccount.put("AccountSid", "AC" + "f".repeat(32));
        cases.add(Map.entry(query(1), otherAccount));

        for (Map.Entry<String, Map<String, String>> c : cases) {
            assertRefused(deliver(c.getKey(), c.getValue()), 400);
        }
        // A parameter given twice cannot be verified unambiguously.
        String twice = Fixtures.form(new ArrayList<>(callback("ringing", 0, null).entrySet())) + "&CallStatus=completed";
        assertRefused(webhook.handle(query(1), Map.of("X-Twilio-Signature", "x"), twice.getBytes(StandardCharsets.UTF_8)), 400);
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void aCallbackWhoseAttemptContradictsTheKnownLegIsRefused() {
        legs.register(callId, 1, Fixtures.PROVIDER, callSid);

        assertRefused(deliver(query(2), callback("ringing", 0, null)), 400);
        assertThat(queue.drain()).isEmpty();
    }

    // ---- orphans -----------------------------------------------------------------------------

    static String callPath(String sid) {
        return "/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Calls/" + sid + ".json";
    }

    @Test
    void aCallForAnAttemptWhoseDialWasGivenUpIsHungUpAndNotReported() {
        // The dial timed out and failed the attempt over (its marker holds the attempt) ...
        legs.register(callId, 1, Fixtures.PROVIDER, FailedDial.marker(0, callId, 1));
        twilio.stubFor(post(callPath(callSid)).willReturn(aResponse().withStatus(200).withBody("{}")));

        // ... then Twilio reports the call it did create after all.
        TwilioWebhookResult ringing = deliver(query(1), callback("ringing", 0, null));
        TwilioWebhookResult ended = deliver(query(1), callback("completed", 1, "487"));

        assertThat(ringing).isInstanceOf(TwilioWebhookResult.Accepted.class);
        assertThat(ended).isInstanceOf(TwilioWebhookResult.Accepted.class);
        twilio.verify(1, postRequestedFor(urlEqualTo(callPath(callSid))).withRequestBody(equalTo("Status=completed")));
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void anOrphanWhoseHangUpFailsIsStillAnsweredAndTriedAgainOnItsNextCallback() {
        legs.register(callId, 1, Fixtures.PROVIDER, FailedDial.marker(0, callId, 1));
        twilio.stubFor(post(callPath(callSid)).willReturn(aResponse().withStatus(500)));

        TwilioWebhookResult ringing = deliver(query(1), callback("ringing", 0, null));
        TwilioWebhookResult answered = deliver(query(1), callback("in-progress", 1, null));

        assertThat(ringing).isInstanceOf(TwilioWebhookResult.Accepted.class);
        assertThat(answered).isInstanceOf(TwilioWebhookResult.Accepted.class);
        twilio.verify(2, postRequestedFor(anyUrl()));
        assertThat(queue.drain()).isEmpty();
    }
}
