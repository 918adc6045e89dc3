package dev.calling.carrier.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.carrier.FailedDial;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.CallStateChangesQueue;
import dev.calling.embedded.EmbeddedAws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * The SIP media application's handling of every sample event in
 * {@code events-samples/sip-media-handler/}, against dynalite (legs) and the real
 * {@code call-state-changes.fifo} queue on ElasticMQ. Each test gives the sample's transaction
 * and call a fresh id, so tests do not see each other's legs.
 */
class SipMediaApplicationHandlerTest {

    static final Instant NOW = Instant.parse("2026-01-01T10:00:05Z");
    static final String VC = "arn:aws:chime:us-east-1:123456789012:vc/abcdefghijklmnopqrstuv";
    static final ChimeSettings SETTINGS = new ChimeSettings("chime", "5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60",
            "+12065550100", VC, "{connectionId}");
    static final ObjectMapper JSON = new ObjectMapper();

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static DynamoDbCarrierLegs legs;
    static CallStateChangesQueue queue;
    static SipMediaApplicationHandler handler;
    /** The same handler, but its carrier-legs writes and its publications fail while told to. */
    static FailingRequests dynamoDbFaults = new FailingRequests();
    static FailingRequests sqsFaults = new FailingRequests();
    static DynamoDbClient faultyDynamoDb;
    static SqsClient faultySqs;
    static SipMediaApplicationHandler faultyHandler;

    String tx;
    String callId;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), clock);
        queue = new CallStateChangesQueue(aws, sqs);
        handler = new SipMediaApplicationHandler(SETTINGS, legs,
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), clock);
        var faulty = aws.clients().withInterceptors(List.of(dynamoDbFaults), List.of(sqsFaults));
        faultyDynamoDb = faulty.dynamoDb();
        faultySqs = faulty.sqs();
        faultyHandler = new SipMediaApplicationHandler(SETTINGS,
                new DynamoDbCarrierLegs(faultyDynamoDb, Resources.CARRIER_LEGS.name(), clock),
                new SqsCallStateChanges(faultySqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), clock);
    }

    @AfterAll
    static void stop() {
        faultyDynamoDb.close();
        faultySqs.close();
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    @BeforeEach
    void freshIds() {
        dynamoDbFaults.heal();
        sqsFaults.heal();
        queue.drain();
        tx = UUID.randomUUID().toString();
        callId = "call-" + UUID.randomUUID();
    }

    /** A sample event with this test's transaction and call id in place of the sample's. */
    String sample(String name) throws Exception {
        String json = Files.readString(Path.of(System.getProperty("events.samples.dir"), "sip-media-handler", name));
        return json.replaceAll("a1b2c3d4-1111-4a5b-8c9d-00000000000\\d", tx).replaceAll("sample-pstn-call-\\d", callId);
    }

    Map<String, Object> invoke(String event) {
        return handler.handle(event).toJson();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> actions(Map<String, Object> response) {
        assertThat(response).containsEntry("SchemaVersion", "1.0");
        return (List<Map<String, Object>>) response.get("Actions");
    }

    static Map<String, Object> hangup(String legCallId) {
        return Map.of("Type", "Hangup", "Parameters", Map.of("CallId", legCallId, "SipResponseCode", "0"));
    }

    static String legA(int n) {
        return "c0a1%04d-aaaa-4aaa-8aaa-00000000000a".formatted(n);
    }

    static String legB(int n) {
        return "c0b1%04d-bbbb-4bbb-8bbb-00000000000b".formatted(n);
    }

    @Test
    void answeredCallReportsRingingAnswerAndHangupWithGapFreeSequencesAndBridgesTheCaller() throws Exception {
        assertThat(actions(invoke(sample("new-outbound-call.json")))).isEmpty();
        assertThat(legs.byCall(callId, 1)).as("registered from the call's arguments")
                .hasValueSatisfying(leg -> assertThat(leg.carrierLegId()).isEqualTo(tx));
        assertThat(actions(invoke(sample("ringing.json")))).isEmpty();
        assertThat(actions(invoke(sample("call-answered.json")))).as("waits for the bridge command").isEmpty();

        assertThat(actions(invoke(sample("call-update-requested-bridge.json")))).containsExactly(Map.of(
                "Type", "CallAndBridge",
                "Parameters", Map.of(
                        "CallTimeoutSeconds", 30,
                        "CallerIdNumber", "+12065550100",
                        "Endpoints", List.of(Map.of("BridgeEndpointType", "AWS", "Arn", VC, "Uri", "sample-alice-c1")),
                        "SipHeaders", Map.of("X-Call-Id", callId))));
        assertThat(actions(invoke(sample("action-successful-bridge.json")))).isEmpty();
        assertThat(actions(invoke(sample("hangup-callee.json")))).as("the caller's leg is hung up too")
                .containsExactly(hangup(legB(1)));

        List<CallEvent> published = queue.drain();
        assertThat(published).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("CallRinging", "CallAnswered", "CallHungUp");
        assertThat(published).extracting(CallEvent::switchSequence).containsExactly(1L, 2L, 3L);
        assertThat(published).allSatisfy(e -> {
            assertThat(e.callId()).isEqualTo(callId);
            assertThat(e.attempt()).isEqualTo(1);
            assertThat(e.at()).isEqualTo(NOW);
        });
        assertThat(published).extracting(CallEvent::eventId)
                .containsExactly("chime:" + tx + ":2", "chime:" + tx + ":3", "chime:" + tx + ":6");
        assertThat(((CallEvent.CallAnswered) published.get(1)).connectionId()).isEqualTo("chime:" + tx);
        assertThat(((CallEvent.CallHungUp) published.get(2)).party()).isEqualTo(Party.CALLEE);
    }

    @Test
    void repeatedInvocationsAnswerTheSameAndPublishNothingNew() throws Exception {
        invoke(sample("new-outbound-call.json"));
        invoke(sample("ringing.json"));
        invoke(sample("call-answered.json"));
        Map<String, Object> firstHangup = invoke(sample("hangup-callee.json"));
        assertThat(queue.drain()).hasSize(3);
        CarrierLeg before = legs.byCarrierLeg("chime", tx).orElseThrow();

        assertThat(invoke(sample("hangup-callee.json"))).isEqualTo(firstHangup);
        assertThat(actions(invoke(sample("ringing.json")))).isEmpty();
        invoke(sample("new-outbound-call.json"));

        assertThat(queue.drain()).isEmpty();
        assertThat(legs.byCarrierLeg("chime", tx)).contains(before);
        assertThat(before.reportsIssued()).isEqualTo(3);
        assertThat(before.lastCarrierSequence()).isEqualTo(6);
    }

    @Test
    void callerLegHangingUpIsReportedAsTheCallerAndThePstnLegIsHungUp() throws Exception {
        legs.register(callId, 2, "chime", tx);

        assertThat(actions(invoke(sample("hangup-caller.json")))).containsExactly(hangup(legA(2)));

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallHungUp.class, hungUp -> {
            assertThat(hungUp.party()).isEqualTo(Party.CALLER);
            assertThat(hungUp.attempt()).isEqualTo(2);
            assertThat(hungUp.switchSequence()).isEqualTo(1);
        });
    }

    @Test
    void busyCalleeIsReportedAsCallFailedWithSip486AndNothingIsLeftToHangUp() throws Exception {
        legs.register(callId, 1, "chime", tx);

        assertThat(actions(invoke(sample("hangup-busy.json")))).isEmpty();

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
            assertThat(failed.sipCode()).isEqualTo(486);
            assertThat(failed.attempt()).isEqualTo(1);
            assertThat(failed.switchSequence()).isEqualTo(1);
        });
    }

    @Test
    void hangupRequestHangsUpEveryConnectedLegAndReportsNothing() throws Exception {
        legs.register(callId, 1, "chime", tx);

        assertThat(actions(invoke(sample("call-update-requested-hangup.json"))))
                .containsExactly(hangup(legA(4)), hangup(legB(4)));

        assertThat(queue.drain()).as("the HANGUP events that follow report it").isEmpty();
    }

    @Test
    void repeatedBridgeRequestOnABridgedCallAddsNoSecondLeg() throws Exception {
        legs.register(callId, 1, "chime", tx);
        ObjectNode event = (ObjectNode) JSON.readTree(sample("call-update-requested-bridge.json"));
        var participants = (com.fasterxml.jackson.databind.node.ArrayNode) event.path("CallDetails").path("Participants");
        participants.addObject().put("CallId", legB(1)).put("ParticipantTag", "LEG-B").put("Status", "Connected");

        assertThat(actions(invoke(event.toString()))).isEmpty();
    }

    @Test
    void failedBridgeHangsUpTheAnsweredPstnLegAndReportsTheCallFailed() throws Exception {
        legs.register(callId, 1, "chime", tx);

        assertThat(actions(invoke(sample("action-failed-bridge.json")))).containsExactly(hangup(legA(5)));

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
            assertThat(failed.sipCode()).isEqualTo(500);
            assertThat(failed.cause()).contains("CallNotAnswered");
        });
    }

    @Test
    void joinMeetingRequestPutsTheAnsweredPhoneLegIntoTheCallsMeeting() throws Exception {
        legs.register(callId, 1, "chime", tx);

        List<Map<String, Object>> actions = actions(invoke(sample("call-update-requested-join-meeting.json")));

        assertThat(actions).containsExactly(Map.of("Type", "JoinChimeMeeting", "Parameters", Map.of(
                "JoinToken", "c2FtcGxlLWpvaW4tdG9rZW4tZm9yLXRoZS1waG9uZS1sZWc",
                "CallId", "c0a10001-aaaa-4aaa-8aaa-00000000000a",
                "MeetingId", "2b6e7f4a-9c1d-4e3f-8a5b-6c7d8e9f0a1b")));
        assertThat(queue.drain()).isEmpty();
        assertThat(new SmaAction.JoinChimeMeeting("secret-token", "c", "m").toString()).doesNotContain("secret-token");
    }

    @Test
    void joinMeetingRequestWithoutItsTokenJoinsNothing() throws Exception {
        legs.register(callId, 1, "chime", tx);

        assertThat(actions(invoke(sample("call-update-requested-join-meeting.json")
                .replace("\"joinToken\"", "\"other\"")))).isEmpty();
    }

    @Test
    void failedMeetingJoinHangsUpThePhoneLegAndReportsTheCallFailed() throws Exception {
        legs.register(callId, 1, "chime", tx);

        assertThat(actions(invoke(sample("action-failed-join-meeting.json")))).containsExactly(hangup(legA(5)));

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
            assertThat(failed.sipCode()).isEqualTo(500);
            assertThat(failed.cause()).contains("joining the call's meeting failed").contains("SystemException");
        });
    }

    @Test
    void refusedResponseHangsUpEverythingAndReportsTheCallFailed() throws Exception {
        legs.register(callId, 1, "chime", tx);

        assertThat(actions(invoke(sample("invalid-lambda-response.json")))).containsExactly(hangup(legA(6)));

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
            assertThat(failed.sipCode()).isEqualTo(500);
            assertThat(failed.cause()).contains("InvalidActionParameter");
        });
    }

    @Test
    void transactionThisSystemNeverPlacedIsHungUpAndNothingIsPublished() throws Exception {
        assertThat(actions(invoke(sample("call-answered.json")))).containsExactly(hangup(legA(1)));

        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void outboundCallPlacedForAnotherProviderIsNotRegistered() throws Exception {
        invoke(sample("new-outbound-call.json").replace("\"providerId\": \"chime\"", "\"providerId\": \"other\""));

        assertThat(legs.byCall(callId, 1)).isEmpty();
    }

    @Test
    void malformedEventsGetNoActionsAndPublishNothing() throws Exception {
        assertThat(actions(invoke("{not json"))).isEmpty();
        assertThat(actions(invoke("{\"InvocationEventType\": \"RINGING\", \"Sequence\": 2}"))).as("no CallDetails").isEmpty();
        assertThat(actions(invoke(sample("ringing.json").replace("\"Sequence\": 2,", "")))).as("no Sequence").isEmpty();
        assertThat(actions(handler.handle(Map.of("Sequence", "two")).toJson())).isEmpty();

        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void eventTypesThisFlowDoesNotUseAreIgnored() throws Exception {
        legs.register(callId, 1, "chime", tx);

        assertThat(actions(invoke(sample("call-answered.json").replace("CALL_ANSWERED", "DIGITS_RECEIVED")))).isEmpty();

        assertThat(queue.drain()).isEmpty();
    }

    /**
     * Chime invokes CALL_ANSWERED; the leg's record of it fails, and so does Chime's one retry, so Chime
     * moves on (the call ends). The next report must not take the number of one the call state manager
     * has had already: that one it drops as a duplicate, and a hung-up phone leg would stay answered.
     */
    @Test
    void aReportWhoseRecordFailedDoesNotLendItsNumberToTheNextReport() throws Exception {
        faultyHandler.handle(sample("new-outbound-call.json"));
        faultyHandler.handle(sample("ringing.json"));

        dynamoDbFaults.fail(UpdateItemRequest.class);
        assertThatThrownBy(() -> faultyHandler.handle(sample("call-answered.json"))).hasMessageContaining("injected");
        assertThatThrownBy(() -> faultyHandler.handle(sample("call-answered.json"))).as("Chime's retry")
                .hasMessageContaining("injected");
        dynamoDbFaults.heal();
        faultyHandler.handle(sample("hangup-callee.json"));

        List<CallEvent> published = queue.drain();
        assertThat(published).extracting(CallEvent::switchSequence).as("gap-free, each number once")
                .containsExactlyElementsOf(LongStream.rangeClosed(1, published.size()).boxed().toList());
        assertThat(published).first().isInstanceOf(CallEvent.CallRinging.class);
        assertThat(published).last().isInstanceOfSatisfying(CallEvent.CallHungUp.class, hungUp -> {
            assertThat(hungUp.eventId()).isEqualTo("chime:" + tx + ":6");
            assertThat(hungUp.party()).isEqualTo(Party.CALLEE);
        });
    }

    /** The leg records CALL_ANSWERED, then its publication fails: Chime's retry publishes that very event. */
    @Test
    void aReportWhosePublicationFailedIsPublishedAgainAsTheSameEvent() throws Exception {
        faultyHandler.handle(sample("new-outbound-call.json"));
        faultyHandler.handle(sample("ringing.json"));

        sqsFaults.fail(SendMessageRequest.class);
        assertThatThrownBy(() -> faultyHandler.handle(sample("call-answered.json"))).hasMessageContaining("injected");
        sqsFaults.heal();
        faultyHandler.handle(sample("call-answered.json"));
        faultyHandler.handle(sample("call-answered.json"));
        faultyHandler.handle(sample("hangup-callee.json"));

        List<CallEvent> published = queue.drain();
        assertThat(published).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("CallRinging", "CallAnswered", "CallHungUp");
        assertThat(published).extracting(CallEvent::switchSequence).containsExactly(1L, 2L, 3L);
        assertThat(published.get(1).eventId()).isEqualTo("chime:" + tx + ":3");
        assertThat(legs.byCarrierLeg("chime", tx)).hasValueSatisfying(leg -> assertThat(leg.reportsIssued()).isEqualTo(3));
    }

    /**
     * A dial given up on (no definite answer from Chime: the attempt holds a failed-dial marker and has
     * failed over) whose call Chime did create: every invocation is answered with a hang-up (Chime obeys it
     * from CALL_ANSWERED on), the transaction is recorded for the attempt's hang-up, nothing is reported.
     */
    @Test
    void aCallOfADialGivenUpOnIsHungUpAndNotReported() throws Exception {
        legs.register(callId, 1, "chime", FailedDial.marker(0, callId, 1));

        assertThat(actions(invoke(sample("new-outbound-call.json")))).containsExactly(hangup(legA(1)));
        assertThat(actions(invoke(sample("ringing.json")))).containsExactly(hangup(legA(1)));
        assertThat(actions(invoke(sample("call-answered.json")))).containsExactly(hangup(legA(1)));

        assertThat(queue.drain()).isEmpty();
        assertThat(legs.byCall(callId, 1)).hasValueSatisfying(
                leg -> assertThat(leg.carrierLegId()).isEqualTo(FailedDial.marker(0, callId, 1)));
        assertThat(new OrphanTransactions(legs, "chime").of(callId, 1)).contains(tx);
    }
}
