package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.embedded.ChimeMeetingsStub;
import dev.calling.local.LocalApps.Online;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * App-to-app calls through the switch of the AWS deployment: the Amazon Chime SDK Meetings adapter,
 * its real SDK client against a stub of the documented API, behind the real queues and tables, with
 * apps on real WebSockets and the HTTP API of the local gateway.
 */
class ChimeSwitchIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static ChimeMeetingsStub chime;
    static LocalSystem system;
    static DevTokenIssuer tokens;
    static LocalApps apps;

    @BeforeAll
    static void start() {
        chime = ChimeMeetingsStub.start();
        tokens = DevTokenIssuer.generate();
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(90))
                .withRetryAfter(Duration.ofSeconds(1)).withApi(new LocalSystem.Api(0, 0, tokens))
                .withChimeMeetings(chime.endpoint()));
        apps = new LocalApps(system, tokens, WAIT);
    }

    @AfterAll
    static void stop() {
        apps.close();
        system.close();
        chime.close();
    }

    @BeforeEach
    void healChime() {
        chime.heal();
    }

    static String user(String name) {
        return LocalApps.user(name);
    }

    static AppClient app(String userId) {
        return apps.app(userId);
    }

    static Online online(String userId) {
        return apps.online(userId);
    }

    static String placeCall(AppClient caller, String calleeUserId) {
        return apps.placeCall(caller, calleeUserId);
    }

    static JsonNode awaitMedia(AppClient.Socket socket, String callId) {
        return socket.await(m -> m.path("type").asText().equals("media") && m.path("callId").asText().equals(callId),
                WAIT);
    }

    static List<JsonNode> mediaMessagesLeft(AppClient.Socket socket) {
        return socket.messages.stream().filter(m -> m.path("type").asText().equals("media")).toList();
    }

    static String meetingOf(String callId) {
        return system.callMedia().find(callId).orElseThrow().session().sessionId();
    }

    @Test
    void anAnsweredCallHasOneMeetingAndEachDeviceGetsOnlyItsOwnJoinInfo() {
        String ann = user("ann");
        String ben = user("ben");
        String eve = user("eve");
        Online annPhone = online(ann);
        Online benPhone = online(ben);
        Online benTablet = online(ben);
        AppClient annApp = app(ann);
        AppClient benApp = app(ben);

        String callId = placeCall(annApp, ben);
        JsonNode annMedia = awaitMedia(annPhone.socket(), callId);
        assertThat(annMedia.path("connectionId").asText()).isEqualTo(annPhone.connectionId());
        assertThat(annMedia.path("provider").asText()).isEqualTo("chime-meetings");
        assertThat(annMedia.at("/join/Meeting/MeetingId").asText()).isEqualTo(meetingOf(callId));
        assertThat(annMedia.at("/join/Attendee/ExternalUserId").asText()).isEqualTo(ann + "|" + annPhone.connectionId());
        benPhone.socket().awaitCall(callId, "RINGING");
        benTablet.socket().awaitCall(callId, "RINGING");
        assertThat(benApp.get("/v1/calls/" + callId + "/media").status()).as("ringing devices get no way in")
                .isEqualTo(404);

        var answered = benApp.post("/v1/calls/" + callId + "/answer",
                "{\"connectionId\":\"" + benPhone.connectionId() + "\"}");
        assertThat(answered.status()).as(answered.body().toString()).isEqualTo(202);
        JsonNode benMedia = awaitMedia(benPhone.socket(), callId);
        annPhone.socket().awaitCall(callId, "CONNECTED");

        assertThat(benMedia.at("/join/Meeting/MeetingId").asText()).isEqualTo(meetingOf(callId));
        assertThat(benMedia.at("/join/Attendee/AttendeeId").asText())
                .isNotEqualTo(annMedia.at("/join/Attendee/AttendeeId").asText());
        assertThat(benMedia.at("/join/Attendee/JoinToken").asText())
                .isNotEqualTo(annMedia.at("/join/Attendee/JoinToken").asText());
        var annReads = annApp.get("/v1/calls/" + callId + "/media");
        assertThat(annReads.status()).isEqualTo(200);
        assertThat(annReads.body().at("/join/Attendee/JoinToken").asText())
                .isEqualTo(annMedia.at("/join/Attendee/JoinToken").asText());
        assertThat(benApp.get("/v1/calls/" + callId + "/media").body().path("connectionId").asText())
                .isEqualTo(benPhone.connectionId());
        assertThat(app(eve).get("/v1/calls/" + callId + "/media").status()).isEqualTo(404);

        assertThat(annApp.post("/v1/calls/" + callId + "/hangup", null).status()).isEqualTo(202);
        Call ended = system.awaitEnded(callId, WAIT);
        assertThat(ended.endReason()).isEqualTo(EndReason.COMPLETED);
        String meetingId = meetingOf(callId);
        LocalSystem.awaitCondition(WAIT, () -> !chime.liveMeetings().contains(meetingId), "the meeting to be deleted");
        assertThat(chime.requests("POST", "/meetings").stream()
                .filter(r -> r.getBodyAsString().contains(callId)).count()).isEqualTo(1);
        assertThat(annApp.get("/v1/calls/" + callId + "/media").status()).isEqualTo(404);

        assertThat(mediaMessagesLeft(benTablet.socket())).as("the device that did not answer").isEmpty();
        assertThat(mediaMessagesLeft(annPhone.socket())).as("ann gets no one else's join info").isEmpty();
        assertThat(mediaMessagesLeft(benPhone.socket())).isEmpty();
    }

    @Test
    void duplicatedCommandsStillMakeOneMeeting() {
        String ann = user("ann");
        String ben = user("ben");
        Online annPhone = online(ann);
        Online benPhone = online(ben);
        String callId = placeCall(app(ann), ben);
        awaitMedia(annPhone.socket(), callId);
        String meetingId = meetingOf(callId);

        // The same ring again, as after a redelivery past SQS's deduplication window.
        var sqs = system.sqs();
        String ring = Json.write(new CallCommand.RingCallee(callId, ann, annPhone.connectionId(), ben,
                List.of(benPhone.connectionId())));
        for (int i = 0; i < 2; i++) {
            String dedup = "again-" + i;
            sqs.sendMessage(r -> r.queueUrl(system.aws().queueUrl(Resources.SWITCH_COMMANDS)).messageBody(ring)
                    .messageGroupId(callId).messageDeduplicationId(dedup));
        }
        awaitMedia(annPhone.socket(), callId);
        awaitMedia(annPhone.socket(), callId);

        assertThat(meetingOf(callId)).isEqualTo(meetingId);
        assertThat(chime.liveMeetings().stream().filter(meetingId::equals)).hasSize(1);
        assertThat(system.callMedia().find(callId).orElseThrow().legs()).containsOnlyKeys(annPhone.connectionId());
        assertThat(app(ann).post("/v1/calls/" + callId + "/hangup", null).status()).isEqualTo(202);
        system.awaitEnded(callId, WAIT);
        LocalSystem.awaitCondition(WAIT, () -> !chime.liveMeetings().contains(meetingId), "the meeting to be deleted");
    }

    @Test
    void anAttendeeThatDropsEndsTheConnectedCall() {
        String ann = user("ann");
        String ben = user("ben");
        Online annPhone = online(ann);
        Online benPhone = online(ben);
        String callId = placeCall(app(ann), ben);
        benPhone.socket().awaitCall(callId, "RINGING");
        app(ben).post("/v1/calls/" + callId + "/answer", "{\"connectionId\":\"" + benPhone.connectionId() + "\"}");
        awaitMedia(benPhone.socket(), callId);
        system.awaitState(callId, CallState.CONNECTED, WAIT);
        var media = system.callMedia().find(callId).orElseThrow();
        String benAttendee = media.legOf(benPhone.connectionId()).orElseThrow().legId();

        // What EventBridge delivers to the meeting-events queue (sample: events-samples/switch/).
        String dropped = "{\"version\":\"0\",\"id\":\"" + UUID.randomUUID() + "\",\"detail-type\":\"Chime Meeting State Change\","
                + "\"source\":\"aws.chime\",\"account\":\"111122223333\",\"time\":\"" + Instant.now() + "\","
                + "\"region\":\"us-east-1\",\"resources\":[],\"detail\":{\"version\":\"0\",\"eventType\":\"chime:AttendeeDropped\","
                + "\"timestamp\":" + Instant.now().toEpochMilli() + ",\"meetingId\":\"" + media.session().sessionId()
                + "\",\"attendeeId\":\"" + benAttendee + "\",\"externalUserId\":\"x\",\"externalMeetingId\":\"" + callId
                + "\",\"mediaRegion\":\"us-east-1\"}}";
        system.sqs().sendMessage(r -> r.queueUrl(system.aws().queueUrl(Resources.MEETING_EVENTS)).messageBody(dropped));

        Call ended = system.awaitEnded(callId, WAIT);
        assertThat(ended.endReason()).isEqualTo(EndReason.FAILED);
        assertThat(ended.timeline().get(ended.timeline().size() - 1).detail()).contains("callee's media was lost");
        annPhone.socket().awaitCall(callId, "ENDED");
        String meetingId = media.session().sessionId();
        LocalSystem.awaitCondition(WAIT, () -> !chime.liveMeetings().contains(meetingId), "the meeting to be deleted");
    }

    @Test
    void aChimeOutageEndsTheCallFailedAfterTheRetriesAndLeavesNoMeeting() {
        String ann = user("ann");
        String ben = user("ben");
        Online annPhone = online(ann);
        Online benPhone = online(ben);
        chime.failWith(503, "ServiceUnavailableException");

        String callId = placeCall(app(ann), ben);
        Call ended = system.awaitEnded(callId, WAIT);

        assertThat(ended.endReason()).isEqualTo(EndReason.FAILED);
        assertThat(ended.timeline().get(ended.timeline().size() - 1).detail())
                .contains("could not set up the call's media");
        annPhone.socket().awaitCall(callId, "ENDED");
        benPhone.socket().awaitCall(callId, "ENDED");
        assertThat(mediaMessagesLeft(annPhone.socket())).isEmpty();
        assertThat(chime.liveMeetings().stream().filter(id -> system.callMedia().find(callId)
                .map(m -> m.session() != null && m.session().sessionId().equals(id)).orElse(false))).isEmpty();
        assertThat(system.aws().drain(system.sqs(), system.aws().queue(Resources.SWITCH_COMMANDS), Duration.ZERO))
                .as("nothing left behind on the switch's queue").isEmpty();
    }
}
