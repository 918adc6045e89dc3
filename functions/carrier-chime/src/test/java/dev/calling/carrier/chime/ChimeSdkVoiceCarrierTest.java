package dev.calling.carrier.chime;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.embedded.CallStateChangesQueue;
import dev.calling.embedded.EmbeddedAws;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.chimesdkvoice.ChimeSdkVoiceClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The carrier adapter with the real Chime SDK Voice client against a stub endpoint (WireMock),
 * legs in dynalite, failures read back from the real ElasticMQ FIFO queue.
 */
class ChimeSdkVoiceCarrierTest {

    static final String SMA = "5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60";
    static final ChimeSettings SETTINGS = new ChimeSettings("chime", SMA, "+12065550100",
            "arn:aws:chime:us-east-1:123456789012:vc/abcdefghijklmnopqrstuv", "{connectionId}");
    static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static WireMockServer chimeEndpoint;
    static ChimeSdkVoiceClient chimeClient;
    static DynamoDbCarrierLegs legs;
    static CallStateChangesQueue queue;
    static ChimeSdkVoiceCarrier carrier;
    static SipMediaApplicationHandler sipMediaApplication;
    /** What Chime does while it creates a call, before it answers CreateSipMediaApplicationCall (once). */
    static final AtomicReference<Runnable> whileChimeCreatesTheCall = new AtomicReference<>();

    String callId;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        chimeEndpoint = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1")
                .extensions(new ServeEventListener() {
                    @Override
                    public String getName() {
                        return "chime-invokes-the-sip-media-application";
                    }

                    @Override
                    public void afterMatch(ServeEvent event, Parameters parameters) {
                        Runnable invocation = whileChimeCreatesTheCall.getAndSet(null);
                        if (invocation != null && event.getRequest().getUrl().endsWith("/calls")) {
                            invocation.run();
                        }
                    }
                }));
        chimeEndpoint.start();
        chimeClient = ChimeClients.create("us-east-1", Optional.of(URI.create(chimeEndpoint.baseUrl())));
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), clock);
        queue = new CallStateChangesQueue(aws, sqs);
        carrier = new ChimeSdkVoiceCarrier(chimeClient, SETTINGS, legs,
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), clock);
        sipMediaApplication = new SipMediaApplicationHandler(SETTINGS, legs,
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), clock);
    }

    @AfterAll
    static void stop() {
        chimeClient.close();
        chimeEndpoint.stop();
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    @BeforeEach
    void freshCall() {
        chimeEndpoint.resetAll();
        whileChimeCreatesTheCall.set(null);
        queue.drain();
        callId = "call-" + UUID.randomUUID();
    }

    static void chimeCreatesTransaction(String transactionId) {
        chimeEndpoint.stubFor(post(urlEqualTo("/sip-media-applications/" + SMA + "/calls"))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody("{\"SipMediaApplicationCall\":{\"TransactionId\":\"" + transactionId + "\"}}")));
    }

    static void chimeAnswersCreateWith(int status, String errorCode) {
        chimeEndpoint.stubFor(post(urlEqualTo("/sip-media-applications/" + SMA + "/calls"))
                .willReturn(error(status, errorCode)));
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder error(int status, String errorCode) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withHeader("x-amzn-ErrorType", errorCode)
                .withBody("{\"Code\":\"" + errorCode + "\",\"Message\":\"stubbed " + errorCode + "\"}");
    }

    /** Chime takes the request (and may create the call), but the connection breaks before its answer. */
    static void chimeDropsTheCreateAnswer() {
        chimeEndpoint.stubFor(post(urlEqualTo("/sip-media-applications/" + SMA + "/calls"))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    }

    /** Chime's invocation of the SIP media application, from events-samples/, for this test's call and {@code transactionId}. */
    String smaEvent(String sample, String transactionId) throws Exception {
        String json = Files.readString(Path.of(System.getProperty("events.samples.dir"), "sip-media-handler", sample));
        return json.replaceAll("a1b2c3d4-1111-4a5b-8c9d-00000000000\\d", transactionId)
                .replaceAll("sample-pstn-call-\\d", callId);
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> smaActions(String event) {
        return (List<Map<String, Object>>) sipMediaApplication.handle(event).toJson().get("Actions");
    }

    static void chimeAcceptsUpdates() {
        chimeEndpoint.stubFor(post(urlPathMatching("/sip-media-applications/" + SMA + "/calls/.+"))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json")
                        .withBody("{\"SipMediaApplicationCall\":{\"TransactionId\":\"t\"}}")));
    }

    @Test
    void dialCreatesTheCallWithTheAttemptInItsArgumentsAndRegistersChimesTransactionAsTheLeg() {
        chimeCreatesTransaction("tx-dial-1");

        carrier.dial(new CallCommand.DialNumber(callId, 2, "chime", "alice", "alice-c1", "+14155550123", null));

        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(equalToJson("""
                        {"FromPhoneNumber": "+12065550100", "ToPhoneNumber": "+14155550123",
                         "ArgumentsMap": {"callId": "%s", "attempt": "2", "providerId": "chime"}}
                        """.formatted(callId))));
        assertThat(legs.byCall(callId, 2)).hasValueSatisfying(leg -> {
            assertThat(leg.carrierLegId()).isEqualTo("tx-dial-1");
            assertThat(leg.providerId()).isEqualTo("chime");
        });
        assertThat(legs.byCarrierLeg("chime", "tx-dial-1")).isPresent();
        assertThat(queue.drain()).as("a placed call reports nothing itself").isEmpty();
    }

    @Test
    void repeatedDialCommandPlacesTheCallOnce() {
        chimeCreatesTransaction("tx-dial-2");
        var dial = new CallCommand.DialNumber(callId, 1, "chime", "alice", "alice-c1", "+14155550123", null);

        carrier.dial(dial);
        carrier.dial(dial);

        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls")));
    }

    @Test
    void throttledDialIsReportedAsCarrierFailureSoTheCallFailsOver() {
        chimeAnswersCreateWith(429, "ThrottledClientException");

        carrier.dial(new CallCommand.DialNumber(callId, 3, "chime", "alice", "alice-c1", "+14155550123", null));

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
            assertThat(failed.eventId()).isEqualTo("chime:dial-failed:" + callId + ":3");
            assertThat(failed.callId()).isEqualTo(callId);
            assertThat(failed.attempt()).isEqualTo(3);
            assertThat(failed.switchSequence()).isEqualTo(1);
            assertThat(failed.sipCode()).isEqualTo(503);
            assertThat(failed.at()).isEqualTo(NOW);
            assertThat(failed.cause()).contains("chime refused the call");
        });
        assertThat(legs.byCall(callId, 3)).as("no leg: nothing to hang up later").isEmpty();
    }

    @Test
    void chimeServiceFailureOnDialIsReportedAsSip500() {
        chimeAnswersCreateWith(500, "ServiceFailureException");

        carrier.dial(new CallCommand.DialNumber(callId, 1, "chime", "alice", "alice-c1", "+14155550123", null));

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class,
                failed -> assertThat(failed.sipCode()).isEqualTo(500));
    }

    @Test
    void unreachableChimeOnDialIsReportedWithoutSipCode() {
        try (ChimeSdkVoiceClient nowhere = ChimeClients.create("us-east-1", Optional.of(URI.create("http://127.0.0.1:1")))) {
            var offline = new ChimeSdkVoiceCarrier(nowhere, SETTINGS, legs,
                    new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), Clock.fixed(NOW, ZoneOffset.UTC));

            offline.dial(new CallCommand.DialNumber(callId, 1, "chime", "alice", "alice-c1", "+14155550123", null));
        }

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class,
                failed -> assertThat(failed.sipCode()).isZero());
    }

    @Test
    void bridgeAsksTheSipMediaApplicationToBridgeTheCallersConnection() {
        legs.register(callId, 1, "chime", "tx-bridge-1");
        chimeAcceptsUpdates();

        carrier.bridge(new CallCommand.BridgeToNumber(callId, 1, "chime", "alice", "alice-c1"));

        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls/tx-bridge-1"))
                .withRequestBody(equalToJson("""
                        {"Arguments": {"action": "bridge", "callerConnectionId": "alice-c1"}}
                        """)));
    }

    @Test
    void withMeetingsTheAnsweredLegIsToldToJoinTheCallsMeetingOnce() {
        legs.register(callId, 1, "chime", "tx-meeting-1");
        chimeAcceptsUpdates();
        var seats = new java.util.ArrayList<String>();
        var seated = new java.util.HashSet<Integer>();
        MeetingSeats meetings = new MeetingSeats() {
            @Override
            public Optional<Seat> seat(String call, int attempt, String callerUserId, String callerConnectionId) {
                seats.add(call + "/" + attempt + "/" + callerUserId + "/" + callerConnectionId);
                return Optional.of(new Seat("meeting-1", "token-for-the-phone", seated.contains(attempt)));
            }

            @Override
            public void seated(String call, int attempt) {
                seated.add(attempt);
            }
        };
        var withMeetings = new ChimeSdkVoiceCarrier(chimeClient, SETTINGS, legs,
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), Clock.fixed(NOW, ZoneOffset.UTC),
                Optional.of(meetings));

        withMeetings.bridge(new CallCommand.BridgeToNumber(callId, 1, "chime", "alice", "alice-c1"));
        withMeetings.bridge(new CallCommand.BridgeToNumber(callId, 1, "chime", "alice", "alice-c1"));

        assertThat(seats).containsExactly(callId + "/1/alice/alice-c1", callId + "/1/alice/alice-c1");
        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls/tx-meeting-1"))
                .withRequestBody(equalToJson("""
                        {"Arguments": {"action": "join-meeting", "meetingId": "meeting-1", "joinToken": "token-for-the-phone"}}
                        """)));
    }

    @Test
    void aMeetingServiceThatCannotSeatTheAnsweredLegEndsTheCallInsteadOfHoldingIt() {
        legs.register(callId, 1, "chime", "tx-meeting-2");
        chimeAcceptsUpdates();
        MeetingSeats down = new MeetingSeats() {
            @Override
            public Optional<Seat> seat(String call, int attempt, String callerUserId, String callerConnectionId) {
                throw new Unavailable("ServiceUnavailable, HTTP 503", null);
            }

            @Override
            public void seated(String call, int attempt) {
                throw new AssertionError("never seated");
            }
        };
        var withMeetings = new ChimeSdkVoiceCarrier(chimeClient, SETTINGS, legs,
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), Clock.fixed(NOW, ZoneOffset.UTC),
                Optional.of(down));

        withMeetings.bridge(new CallCommand.BridgeToNumber(callId, 1, "chime", "alice", "alice-c1"));

        assertThat(chimeEndpoint.getAllServeEvents()).as("no join requested").isEmpty();
        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
            assertThat(failed.callId()).isEqualTo(callId);
            assertThat(failed.fromSwitch()).as("unsequenced: applies to the connected call at once").isFalse();
            assertThat(failed.sipCode()).isEqualTo(500);
            assertThat(failed.cause()).contains("could not join the call's meeting");
        });
    }

    @Test
    void hangUpAsksTheSipMediaApplicationToHangUp() {
        legs.register(callId, 1, "chime", "tx-hangup-1");
        chimeAcceptsUpdates();

        carrier.hangUp(new CallCommand.HangUpNumber(callId, 1, "chime"));

        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls/tx-hangup-1"))
                .withRequestBody(equalToJson("{\"Arguments\": {\"action\": \"hangup\"}}")));
    }

    @Test
    void hangUpOfACallChimeNoLongerKnowsIsDone() {
        legs.register(callId, 1, "chime", "tx-gone-1");
        chimeEndpoint.stubFor(post(urlEqualTo("/sip-media-applications/" + SMA + "/calls/tx-gone-1"))
                .willReturn(error(404, "NotFoundException")));

        carrier.hangUp(new CallCommand.HangUpNumber(callId, 1, "chime"));

        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls/tx-gone-1")));
    }

    @Test
    void aLegChimeNoLongerKnowsIsReportedEndedWhenTheWatchdogAsks() {
        legs.register(callId, 1, "chime", "tx-over-1");
        chimeEndpoint.stubFor(post(urlEqualTo("/sip-media-applications/" + SMA + "/calls/tx-over-1"))
                .willReturn(error(404, "NotFoundException")));

        carrier.check(new CallCommand.CheckNumber(callId, 1, "chime"));

        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls/tx-over-1"))
                .withRequestBody(equalToJson("{\"Arguments\": {\"action\": \"probe\"}}")));
        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallHungUp.class, hungUp -> {
            assertThat(hungUp.eventId()).isEqualTo(callId + ":1:leg-ended");
            assertThat(hungUp.fromSwitch()).isFalse();
            assertThat(hungUp.party()).isEqualTo(dev.calling.core.call.Party.CALLEE);
        });
    }

    @Test
    void aLegStillUpIsLeftAloneWhenTheWatchdogAsks() {
        legs.register(callId, 1, "chime", "tx-up-1");
        chimeAcceptsUpdates();

        carrier.check(new CallCommand.CheckNumber(callId, 1, "chime"));

        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void hangUpOfAnAttemptThatWasNeverPlacedSendsNothing() {
        carrier.hangUp(new CallCommand.HangUpNumber(callId, 4, "chime"));

        assertThat(chimeEndpoint.getAllServeEvents()).isEmpty();
    }

    @Test
    void otherBridgeErrorsThrowSoTheCommandIsRedelivered() {
        legs.register(callId, 1, "chime", "tx-broken-1");
        chimeEndpoint.stubFor(post(urlEqualTo("/sip-media-applications/" + SMA + "/calls/tx-broken-1"))
                .willReturn(error(500, "ServiceFailureException")));

        assertThatThrownBy(() -> carrier.bridge(new CallCommand.BridgeToNumber(callId, 1, "chime", "alice", "alice-c1")))
                .isInstanceOf(SdkException.class);
    }

    @Test
    void commandsForAnotherCarrierAreRefused() {
        assertThatThrownBy(() -> carrier.dial(new CallCommand.DialNumber(callId, 1, "other", "alice", "alice-c1", "+14155550123", null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(chimeEndpoint.getAllServeEvents()).isEmpty();
    }

    /**
     * The dial's connection breaks after Chime took the request: the attempt is failed over as before, but
     * the call Chime did create (its NEW_OUTBOUND_CALL carries the dial's arguments) must not ring on
     * unowned. The SIP media application hangs it up (Chime obeys from CALL_ANSWERED on), reports none of
     * it, and the attempt's hang-up finds and hangs up its transaction.
     */
    @Test
    void aCallChimeCreatedAfterTheDialGaveUpIsHungUpAndTheAttemptStillFailsOver() throws Exception {
        chimeDropsTheCreateAnswer();
        chimeAcceptsUpdates();
        var dial = new CallCommand.DialNumber(callId, 1, "chime", "alice", "alice-c1", "+14155550123", null);

        carrier.dial(dial);

        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls")));
        assertThat(queue.drain()).as("the call fails over").singleElement()
                .isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
                    assertThat(failed.eventId()).isEqualTo("chime:dial-failed:" + callId + ":1");
                    assertThat(failed.attempt()).isEqualTo(1);
                    assertThat(failed.switchSequence()).isEqualTo(1);
                    assertThat(failed.sipCode()).isZero();
                });

        String legA = "c0a10001-aaaa-4aaa-8aaa-00000000000a";
        Map<String, Object> hangUpLegA = Map.of("Type", "Hangup",
                "Parameters", Map.of("CallId", legA, "SipResponseCode", "0"));
        assertThat(smaActions(smaEvent("new-outbound-call.json", "tx-late-1"))).containsExactly(hangUpLegA);
        assertThat(smaActions(smaEvent("ringing.json", "tx-late-1"))).containsExactly(hangUpLegA);
        assertThat(smaActions(smaEvent("call-answered.json", "tx-late-1"))).containsExactly(hangUpLegA);
        assertThat(queue.drain()).as("no progress of an attempt given up on").isEmpty();

        carrier.hangUp(new CallCommand.HangUpNumber(callId, 1, "chime"));

        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls/tx-late-1"))
                .withRequestBody(equalToJson("{\"Arguments\": {\"action\": \"hangup\"}}")));

        carrier.dial(dial);
        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls")));
        assertThat(queue.drain()).as("a redelivered dial publishes the same event again, which the FIFO queue drops")
                .isEmpty();
    }

    /**
     * Chime invokes the SIP media application with NEW_OUTBOUND_CALL while it creates the call, and the
     * dial's connection breaks before Chime's answer: the call exists and reports itself, so the attempt
     * is not failed over.
     */
    @Test
    void aCallThatReportsItselfBeforeTheDialGivesUpIsNotFailed() throws Exception {
        chimeDropsTheCreateAnswer();
        String newOutboundCall = smaEvent("new-outbound-call.json", "tx-early-1");
        var answered = new AtomicReference<List<Map<String, Object>>>();
        whileChimeCreatesTheCall.set(() -> answered.set(smaActions(newOutboundCall)));

        carrier.dial(new CallCommand.DialNumber(callId, 1, "chime", "alice", "alice-c1", "+14155550123", null));
        smaActions(smaEvent("ringing.json", "tx-early-1"));

        assertThat(answered.get()).as("NEW_OUTBOUND_CALL arrived during the dial, and was not hung up").isEmpty();
        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallRinging.class,
                ringing -> assertThat(ringing.switchSequence()).isEqualTo(1));
        assertThat(legs.byCall(callId, 1)).hasValueSatisfying(leg -> assertThat(leg.carrierLegId()).isEqualTo("tx-early-1"));
    }

    @Test
    void chimeIsAskedAgainOnlyAfterThrottlingWhichCreatesNoCall() {
        chimeAnswersCreateWith(500, "ServiceFailureException");
        carrier.dial(new CallCommand.DialNumber(callId, 1, "chime", "alice", "alice-c1", "+14155550123", null));
        chimeEndpoint.verify(exactly(1), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls")));

        chimeEndpoint.resetAll();
        chimeAnswersCreateWith(429, "ThrottledClientException");
        carrier.dial(new CallCommand.DialNumber(callId, 2, "chime", "alice", "alice-c1", "+14155550123", null));
        chimeEndpoint.verify(exactly(3), postRequestedFor(urlEqualTo("/sip-media-applications/" + SMA + "/calls")));
    }
}
