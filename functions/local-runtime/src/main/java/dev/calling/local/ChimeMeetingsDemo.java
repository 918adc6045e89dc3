package dev.calling.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.core.call.Call;
import dev.calling.core.call.EndReason;
import dev.calling.embedded.ChimeMeetingsStub;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * {@code ./run-local --switch=chime-meetings}: one app-to-app call through the switch of the AWS
 * deployment (the Amazon Chime SDK Meetings adapter and its real SDK client) against a local stub
 * of the Chime SDK Meetings API, not Chime itself: the join info is well-formed but no media flows.
 * Shows which meeting and attendees the call got, that each app received only its own join info,
 * and that hanging up deletes the meeting. Returns whether the call went as expected.
 */
final class ChimeMeetingsDemo {

    private ChimeMeetingsDemo() {}

    static boolean run(DevTokenIssuer tokens) {
        System.out.println("Switch: Amazon Chime SDK Meetings adapter, against a LOCAL STUB of its API (no real media)");
        try (ChimeMeetingsStub chime = ChimeMeetingsStub.start();
                LocalSystem system = LocalSystem.start(LocalSystem.Settings.defaults()
                        .withRingTimeout(Duration.ofSeconds(60)).withApi(new LocalSystem.Api(0, 0, tokens))
                        .withChimeMeetings(chime.endpoint()))) {
            LocalGateway gateway = system.gateway().orElseThrow();
            System.out.println("Chime SDK Meetings stub " + chime.endpoint() + "; apps' API " + gateway.httpEndpoint());
            try (var ada = AppClient.Socket.connect(gateway.webSocketEndpoint(), tokens.mint("ada", Duration.ofHours(1)));
                    var bo = AppClient.Socket.connect(gateway.webSocketEndpoint(), tokens.mint("bo", Duration.ofHours(1)))) {
                String adaConnection = ada.heartbeat();
                String boConnection = bo.heartbeat();
                system.awaitLive("ada", adaConnection, Duration.ofSeconds(30));
                system.awaitLive("bo", boConnection, Duration.ofSeconds(30));
                AppClient adaApp = new AppClient(gateway.httpEndpoint(), tokens.mint("ada", Duration.ofHours(1)));
                AppClient boApp = new AppClient(gateway.httpEndpoint(), tokens.mint("bo", Duration.ofHours(1)));

                String callId = adaApp.post("/v1/calls", "{\"calleeUserId\":\"bo\"}", "Idempotency-Key",
                        UUID.randomUUID().toString()).body().path("callId").asText();
                JsonNode adaJoin = media(ada, callId);
                System.out.printf(Locale.ROOT, "ada calls bo: meeting %s (%s), ada's app joins as attendee %s%n",
                        adaJoin.at("/join/Meeting/MeetingId").asText(), adaJoin.at("/join/Meeting/MediaRegion").asText(),
                        adaJoin.at("/join/Attendee/AttendeeId").asText());
                bo.awaitCall(callId, "RINGING");
                System.out.println("bo's app rings; it gets no join info until it answers");
                boApp.post("/v1/calls/" + callId + "/answer", "{\"connectionId\":\"" + boConnection + "\"}");
                JsonNode boJoin = media(bo, callId);
                ada.awaitCall(callId, "CONNECTED");
                System.out.printf(Locale.ROOT, "bo answers: bo's app alone gets attendee %s of the same meeting: %s%n",
                        boJoin.at("/join/Attendee/AttendeeId").asText(),
                        boJoin.at("/join/Meeting/MeetingId").asText().equals(adaJoin.at("/join/Meeting/MeetingId").asText()));
                boolean ownOnly = ada.messages.stream().noneMatch(m -> m.path("type").asText().equals("media"));
                adaApp.post("/v1/calls/" + callId + "/hangup", null);
                Call ended = system.awaitEnded(callId, Duration.ofSeconds(60));
                String meetingId = adaJoin.at("/join/Meeting/MeetingId").asText();
                LocalSystem.awaitCondition(Duration.ofSeconds(60), () -> !chime.liveMeetings().contains(meetingId),
                        "the meeting to be deleted");
                System.out.printf(Locale.ROOT, "ada hangs up: call %s, meeting deleted (%d Chime requests in all)%n%n",
                        ended.endReason(), chime.requests().size());
                return ended.endReason() == EndReason.COMPLETED && ownOnly;
            }
        }
    }

    private static JsonNode media(AppClient.Socket socket, String callId) {
        return socket.await(m -> m.path("type").asText().equals("media") && m.path("callId").asText().equals(callId),
                Duration.ofSeconds(60));
    }
}
