package dev.calling.switching.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.json.MalformedMessage;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.app.MediaJoin;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.ChimeMeetingsStub;
import dev.calling.embedded.EmbeddedAws;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.chimesdkmeetings.ChimeSdkMeetingsClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The Chime switch with the real Chime SDK Meetings client against a stub of the documented REST
 * API (every request body checked), the call-media table in dynalite, and what it tells the
 * call read back from the real ElasticMQ FIFO queue.
 */
class ChimeMeetingsSwitchTest {

    static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    static final ObjectMapper JSON = new ObjectMapper();

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static ChimeMeetingsStub chime;
    static ChimeSdkMeetingsClient client;
    static DynamoDbCallMedia media;
    static final List<MediaJoin> pushed = new CopyOnWriteArrayList<>();
    static final List<Integer> retryDelays = new CopyOnWriteArrayList<>();
    static ChimeMeetingsSwitch meetings;
    static ChimeSwitchFunction function;

    String callId;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        chime = ChimeMeetingsStub.start();
        client = ChimeMeetingsClients.create("us-east-1", Optional.of(chime.endpoint()));
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        media = new DynamoDbCallMedia(dynamoDb, Resources.CALL_MEDIA.name());
        SqsCallStateChanges callStateChanges = new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES));
        meetings = new ChimeMeetingsSwitch(client, media, pushed::add, callStateChanges,
                MeetingSettings.in("eu-central-1"), clock);
        function = new ChimeSwitchFunction(meetings, new MeetingEvents(media, clock), callStateChanges,
                (message, seconds) -> retryDelays.add(seconds));
    }

    @AfterAll
    static void stop() {
        client.close();
        chime.close();
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    @BeforeEach
    void freshCall() {
        chime.reset();
        pushed.clear();
        retryDelays.clear();
        callStateChanges();
        callId = "call-" + UUID.randomUUID().toString().replace("-", "");
        current = callId;
    }

    CallCommand.RingCallee ring() {
        return new CallCommand.RingCallee(callId, "alice", "a1", "bob", List.of("b1", "b2"));
    }

    @Test
    void theEndOfAPstnCallBridgedByItsCarrierClosesItsMediaAndAsksChimeNothing() {
        media.open(new DynamoDbCallMedia.MediaSession(callId, "twilio", "AC0123", "{}", "alice", "a1", "twilio"),
                NOW.plusSeconds(3600));
        media.putLeg(callId, new DynamoDbCallMedia.MediaLeg("a1", "alice", Party.CALLER, "alice", "{\"accessToken\":\"t\"}"));

        meetings.release(new CallCommand.ReleaseConnection(callId, "other-connection"));
        assertThat(media.joinOf(callId, "alice")).isPresent();
        meetings.release(new CallCommand.ReleaseConnection(callId, "a1"));

        assertThat(media.joinOf(callId, "alice")).as("the caller's Twilio token is gone with the call").isEmpty();
        assertThat(media.find(callId)).get().extracting(DynamoDbCallMedia.CallMediaItem::closed).isEqualTo(true);
        assertThat(chime.requests()).isEmpty();
    }

    @Test
    void ringMakesOneAudioOnlyMeetingAndOnlyTheCallersAttendee() throws Exception {
        meetings.ring(ring());

        List<LoggedRequest> created = chime.requests("POST", "/meetings");
        assertThat(created).hasSize(1);
        JsonNode body = JSON.readTree(created.get(0).getBodyAsString());
        assertThat(body.path("ExternalMeetingId").asText()).isEqualTo(callId);
        assertThat(body.path("ClientRequestToken").asText()).isEqualTo(ChimeMeetingsSwitch.token("meeting", callId))
                .hasSizeBetween(2, 64);
        assertThat(body.path("MediaRegion").asText()).isEqualTo("eu-central-1");
        assertThat(body.at("/MeetingFeatures/Video/MaxResolution").asText()).isEqualTo("None");
        assertThat(body.at("/MeetingFeatures/Content/MaxResolution").asText()).isEqualTo("None");
        assertThat(body.at("/MeetingFeatures/Attendee/MaxCount").asInt()).isEqualTo(3);

        List<LoggedRequest> attendees = chime.requests("POST", "/meetings/[^/]+/attendees");
        assertThat(attendees).hasSize(1);
        JsonNode attendee = JSON.readTree(attendees.get(0).getBodyAsString());
        assertThat(attendee.path("ExternalUserId").asText()).isEqualTo("alice|a1");
        assertThat(attendee.at("/Capabilities/Audio").asText()).isEqualTo("SendReceive");
        assertThat(attendee.at("/Capabilities/Video").asText()).isEqualTo("None");
        assertThat(attendee.at("/Capabilities/Content").asText()).isEqualTo("None");

        assertThat(pushed).extracting(MediaJoin::userId, MediaJoin::connectionId).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alice", "a1"));
        JsonNode join = JSON.readTree(pushed.get(0).join());
        assertThat(join.at("/Meeting/MeetingId").asText()).isEqualTo(chime.liveMeetings().iterator().next());
        assertThat(join.at("/Meeting/MediaPlacement/AudioHostUrl").asText()).isNotBlank();
        assertThat(join.at("/Attendee/JoinToken").asText()).isNotBlank();
        assertThat(media.joinOf(callId, "alice")).contains(pushed.get(0));
        assertThat(media.joinOf(callId, "bob")).as("a ringing device gets no way into the call").isEmpty();
        assertThat(pushed.get(0).toString()).doesNotContain(join.at("/Attendee/JoinToken").asText());
    }

    @Test
    void aRepeatedRingKeepsOneMeeting() {
        meetings.ring(ring());
        meetings.ring(ring());
        function.handleRequest(commands(ring()), null);

        assertThat(chime.liveMeetings()).hasSize(1);
        assertThat(chime.requests("POST", "/meetings").stream().map(LoggedRequest::getBodyAsString).distinct())
                .hasSize(1);
        assertThat(media.find(callId).orElseThrow().legs()).containsOnlyKeys("a1");
    }

    @Test
    void bridgeGivesTheAnsweringDeviceAloneItsJoinInfo() {
        meetings.ring(ring());
        pushed.clear();

        meetings.bridge(new CallCommand.BridgeConnections(callId, "a1", "b2"));

        assertThat(pushed).hasSize(1);
        assertThat(pushed.get(0).connectionId()).isEqualTo("b2");
        assertThat(pushed.get(0).userId()).isEqualTo("bob");
        assertThat(media.joinOf(callId, "bob").orElseThrow().connectionId()).isEqualTo("b2");
        assertThat(media.joinOf(callId, "alice").orElseThrow().join()).isNotEqualTo(pushed.get(0).join());
        assertThat(media.joinOf(callId, "mallory")).isEmpty();
    }

    @Test
    void releasingTheCallersConnectionDeletesTheMeetingForGood() {
        meetings.ring(ring());
        meetings.bridge(new CallCommand.BridgeConnections(callId, "a1", "b2"));
        String meetingId = chime.liveMeetings().iterator().next();

        meetings.release(new CallCommand.ReleaseConnection(callId, "a1"));
        meetings.release(new CallCommand.ReleaseConnection(callId, "b2"));
        meetings.release(new CallCommand.ReleaseConnection(callId, "a1"));

        assertThat(chime.requests("DELETE", "/meetings/" + meetingId)).hasSize(1);
        assertThat(chime.liveMeetings()).isEmpty();
        assertThat(media.find(callId).orElseThrow().closed()).isTrue();
        assertThat(media.find(callId).orElseThrow().legs()).isEmpty();
        assertThat(media.joinOf(callId, "alice")).isEmpty();

        meetings.ring(ring()); // a late, redelivered ring after the call ended
        meetings.bridge(new CallCommand.BridgeConnections(callId, "a1", "b2"));
        assertThat(chime.requests("POST", "/meetings")).hasSize(1);
        assertThat(chime.liveMeetings()).isEmpty();
    }

    @Test
    void releasingAnotherDeviceDeletesOnlyItsAttendee() {
        meetings.ring(ring());
        meetings.bridge(new CallCommand.BridgeConnections(callId, "a1", "b2"));
        String attendeeId = media.find(callId).orElseThrow().legOf("b2").orElseThrow().legId();

        meetings.release(new CallCommand.ReleaseConnection(callId, "b1")); // rang, never joined: nothing to delete
        meetings.release(new CallCommand.ReleaseConnection(callId, "b2"));

        assertThat(chime.requests("DELETE", "/meetings/[^/]+/attendees/.+")).extracting(LoggedRequest::getUrl)
                .containsExactly("/meetings/" + chime.liveMeetings().iterator().next() + "/attendees/" + attendeeId);
        assertThat(chime.liveMeetings()).hasSize(1);
        assertThat(media.joinOf(callId, "bob")).isEmpty();
    }

    @Test
    void aThrottledOrFailingChimeIsRetriedThroughTheQueueThenTheCallFails() {
        chime.failWith(503, "ServiceUnavailableException");

        assertThatThrownBy(() -> meetings.ring(ring())).isInstanceOf(SdkException.class);
        List<String> failed = new ArrayList<>();
        for (int receive = 1; receive <= ChimeSwitchFunction.MAX_TRIES; receive++) {
            SQSBatchResponse response = function.handleRequest(commands(receive, ring()), null);
            response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
        }

        assertThat(failed).hasSize(ChimeSwitchFunction.MAX_TRIES - 1);
        assertThat(retryDelays).containsExactly(1, 2, 4, 8);
        List<CallEvent> told = callStateChanges();
        assertThat(told).hasSize(1);
        assertThat(told.get(0)).isInstanceOfSatisfying(CallEvent.MediaLost.class, lost -> {
            assertThat(lost.callId()).isEqualTo(callId);
            assertThat(lost.party()).isNull();
            assertThat(lost.cause()).contains("could not set up").contains("ServiceUnavailable");
        });
        assertThat(pushed).isEmpty();

        chime.heal();
        meetings.release(new CallCommand.ReleaseConnection(callId, "a1"));
        assertThat(chime.liveMeetings()).isEmpty();
    }

    @Test
    void aRequestChimeRefusesForGoodEndsTheCallAtOnce() {
        chime.failWith(400, "BadRequestException");

        SQSBatchResponse response = function.handleRequest(commands(ring()), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(retryDelays).isEmpty();
        assertThat(callStateChanges()).singleElement().isInstanceOf(CallEvent.MediaLost.class);
    }

    @Test
    void aCarriersCommandIsNotTheSwitchsAndFailsAlone() {
        SQSBatchResponse response = function.handleRequest(commands(
                new CallCommand.HangUpNumber(callId, 1, "atlas"), ring()), null);

        assertThat(response.getBatchItemFailures()).hasSize(1);
        assertThat(chime.liveMeetings()).hasSize(1);
    }

    @Test
    void attendeeEventsBecomeTheRightPartysCallEvents() {
        meetings.ring(ring());
        meetings.bridge(new CallCommand.BridgeConnections(callId, "a1", "b2"));
        var item = media.find(callId).orElseThrow();
        String meetingId = item.session().sessionId();
        String caller = item.legOf("a1").orElseThrow().legId();
        String callee = item.legOf("b2").orElseThrow().legId();

        function.handleRequest(meetingEvents(
                event("e1", "chime:AttendeeLeft", meetingId, caller, NOW.minusSeconds(3)),
                event("e2", "chime:AttendeeDropped", meetingId, callee, NOW.minusSeconds(2)),
                event("e3", "chime:AttendeeJoined", meetingId, callee, NOW.minusSeconds(1)),
                event("e4", "chime:AttendeeLeft", meetingId, "0000-not-an-attendee-of-this-call", NOW),
                event("e5", "chime:MeetingEnded", meetingId, null, NOW.plus(Duration.ofDays(365)))), null);

        List<CallEvent> told = callStateChanges();
        assertThat(told).hasSize(3);
        assertThat(told.get(0)).isEqualTo(new CallEvent.CallHungUp("meeting:e1", callId, NOW.minusSeconds(3), 0, 0,
                Party.CALLER));
        assertThat(told.get(1)).isEqualTo(new CallEvent.MediaLost("meeting:e2", callId, NOW.minusSeconds(2),
                Party.CALLEE, "its connection dropped"));
        assertThat(told.get(2)).isEqualTo(new CallEvent.MediaLost("meeting:e5", callId, NOW, null,
                "the meeting ended")); // a time in the future is not believed
    }

    @Test
    void theEndOfAMeetingThisSwitchDeletedMeansNothing() {
        meetings.ring(ring());
        String meetingId = media.find(callId).orElseThrow().session().sessionId();
        meetings.release(new CallCommand.ReleaseConnection(callId, "a1"));

        function.handleRequest(meetingEvents(event("e6", "chime:MeetingEnded", meetingId, null, NOW)), null);

        assertThat(callStateChanges()).isEmpty();
    }

    @Test
    void anUnreadableMeetingEventFailsAloneAndTellsNothing() {
        SQSBatchResponse response = function.handleRequest(meetingEvents("{not json", "{\"source\":\"aws.s3\"}"), null);

        assertThat(response.getBatchItemFailures()).hasSize(2);
        assertThat(callStateChanges()).isEmpty();
        assertThatThrownBy(() -> new MeetingEvents(media, Clock.systemUTC()).toCallEvent("[]"))
                .isInstanceOf(MalformedMessage.class);
    }

    @Test
    void anAnsweredPhoneLegGetsASeatInTheCallsMeetingBesideTheCaller() throws Exception {
        var seat = meetings.seatPhone(callId, 2, "alice", "a1").orElseThrow();

        assertThat(chime.liveMeetings()).containsExactly(seat.meetingId());
        assertThat(seat.seatedBefore()).isFalse();
        assertThat(seat.joinToken()).isNotBlank();
        assertThat(seat.toString()).doesNotContain(seat.joinToken());
        List<LoggedRequest> attendees = chime.requests("POST", "/meetings/[^/]+/attendees");
        assertThat(attendees).extracting(r -> JSON.readTree(r.getBodyAsString()).path("ExternalUserId").asText())
                .containsExactly("alice|a1", ChimeMeetingsSwitch.token("phone", callId + "#2"));
        assertThat(pushed).extracting(MediaJoin::connectionId).containsExactly("a1");
        assertThat(media.find(callId).orElseThrow().legs()).as("the phone's token is not kept").containsOnlyKeys("a1");

        meetings.phoneSeated(callId, 2);
        var again = meetings.seatPhone(callId, 2, "alice", "a1").orElseThrow();
        assertThat(again.seatedBefore()).isTrue();
        assertThat(again.meetingId()).isEqualTo(seat.meetingId());
        assertThat(chime.liveMeetings()).hasSize(1);

        meetings.release(new CallCommand.ReleaseConnection(callId, "a1"));
        assertThat(chime.liveMeetings()).isEmpty();
        assertThat(meetings.seatPhone(callId, 2, "alice", "a1")).isEmpty();
    }

    @Test
    void externalUserIdsStayWithinChimesLimits() {
        assertThat(ChimeMeetingsSwitch.externalUserId("alice", "a1")).isEqualTo("alice|a1");
        String long64 = ChimeMeetingsSwitch.externalUserId("u".repeat(60), "connection-1");
        assertThat(long64).hasSizeLessThanOrEqualTo(64).startsWith("user-");
        assertThat(ChimeMeetingsSwitch.externalUserId("u".repeat(60), "connection-1")).isEqualTo(long64);
        assertThat(ChimeMeetingsSwitch.externalUserId("ünïcödé☎", "c")).startsWith("user-");
    }

    static String event(String id, String type, String meetingId, String attendeeId, Instant at) {
        return "{\"version\":\"0\",\"id\":\"" + id + "\",\"source\":\"aws.chime\",\"account\":\"111122223333\","
                + "\"region\":\"us-east-1\",\"detail-type\":\"Chime Meeting State Change\",\"time\":\"" + at
                + "\",\"resources\":[],\"detail\":{\"version\":\"0\",\"eventType\":\"" + type + "\",\"timestamp\":"
                + at.toEpochMilli() + ",\"meetingId\":\"" + meetingId + "\","
                + (attendeeId == null ? "" : "\"attendeeId\":\"" + attendeeId + "\",\"externalUserId\":\"x|y\",")
                + "\"externalMeetingId\":\"" + ChimeMeetingsSwitchTest.current + "\",\"mediaRegion\":\"eu-central-1\"}}";
    }

    static String current;

    SQSEvent commands(CallCommand... commands) {
        return commands(1, commands);
    }

    SQSEvent commands(int receiveCount, CallCommand... commands) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (CallCommand command : commands) {
            records.add(message(Json.write(command), Resources.SWITCH_COMMANDS, receiveCount));
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    SQSEvent meetingEvents(String... bodies) {
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (String body : bodies) {
            records.add(message(body, Resources.MEETING_EVENTS, 1));
        }
        event.setRecords(records);
        return event;
    }

    SQSEvent.SQSMessage message(String body, Resources.QueueDefinition queue, int receiveCount) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(UUID.randomUUID().toString());
        message.setBody(body);
        message.setEventSourceArn("arn:aws:sqs:us-east-1:000000000000:" + queue.name());
        message.setAttributes(Map.of("ApproximateReceiveCount", Integer.toString(receiveCount)));
        return message;
    }

    static List<CallEvent> callStateChanges() {
        return aws.drain(sqs, Resources.CALL_STATE_CHANGES, Duration.ZERO).stream()
                .map(m -> Json.readCallEvent(m.body())).toList();
    }
}
