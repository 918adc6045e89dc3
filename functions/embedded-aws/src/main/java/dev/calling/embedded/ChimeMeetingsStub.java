package dev.calling.embedded;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stub of the Amazon Chime SDK Meetings REST API (shapes from its API reference:
 * https://docs.aws.amazon.com/chime-sdk/latest/APIReference/API_Operations_Amazon_Chime_SDK_Meetings.html)
 * on a loopback port, for the real SDK client in tests and the local run. It behaves as the
 * documented API does where the switch relies on it: CreateMeeting ({@code POST /meetings}) is
 * idempotent per {@code ClientRequestToken}; CreateAttendee ({@code POST /meetings/{id}/attendees}) per
 * {@code ExternalUserId}; DeleteAttendee and DeleteMeeting answer 204, and 404 NotFoundException for a
 * meeting that does not exist (or was deleted). Every request is kept for verification; an outage
 * (429 / 5xx with the documented error type) can be switched on and off.
 */
public final class ChimeMeetingsStub implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRANSFORMER = "chime-meetings";

    private final Set<String> createdMeetings = ConcurrentHashMap.newKeySet();
    private final Set<String> deletedMeetings = ConcurrentHashMap.newKeySet();
    private final WireMockServer server;
    private volatile StubMapping outage;

    private ChimeMeetingsStub() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1")
                .extensions(new Behaviour()));
        server.start();
        server.stubFor(post(urlEqualTo("/meetings")).willReturn(aResponse().withTransformers(TRANSFORMER)));
        server.stubFor(post(urlPathMatching("/meetings/[^/]+/attendees"))
                .willReturn(aResponse().withTransformers(TRANSFORMER)));
        server.stubFor(delete(urlPathMatching("/meetings/[^/]+(/attendees/[^/]+)?"))
                .willReturn(aResponse().withTransformers(TRANSFORMER)));
    }

    public static ChimeMeetingsStub start() {
        return new ChimeMeetingsStub();
    }

    /** Where the SDK client's endpoint override points. */
    public URI endpoint() {
        return URI.create(server.baseUrl());
    }

    /** Every request so far, oldest first. */
    public List<LoggedRequest> requests() {
        return server.getAllServeEvents().stream().map(ServeEvent::getRequest)
                .sorted(java.util.Comparator.comparing(LoggedRequest::getLoggedDate)).toList();
    }

    /** Requests with this method whose path matches {@code pathRegex}, oldest first. */
    public List<LoggedRequest> requests(String method, String pathRegex) {
        return requests().stream().filter(r -> r.getMethod().getName().equals(method) && r.getUrl().matches(pathRegex))
                .toList();
    }

    /** Meetings created and not deleted. */
    public Set<String> liveMeetings() {
        Set<String> live = new java.util.TreeSet<>(createdMeetings);
        live.removeAll(deletedMeetings);
        return live;
    }

    /** From now on every request fails with {@code status} and Chime's error type (ServiceUnavailableException, ThrottlingException ...). */
    public void failWith(int status, String errorType) {
        heal();
        outage = server.stubFor(any(anyUrl()).atPriority(1).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withHeader("x-amzn-ErrorType", errorType)
                .withBody("{\"Code\":\"" + errorType.replace("Exception", "") + "\",\"Message\":\"stubbed outage\"}")));
    }

    /** Ends an outage. */
    public void heal() {
        StubMapping current = outage;
        if (current != null) {
            server.removeStub(current);
            outage = null;
        }
    }

    public void reset() {
        heal();
        server.resetRequests();
        createdMeetings.clear();
        deletedMeetings.clear();
    }

    @Override
    public void close() {
        server.stop();
    }

    static String meetingId(String clientRequestToken) {
        return UUID.nameUUIDFromBytes(("meeting\n" + clientRequestToken).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    /** Answers as the service would, from the request. */
    private final class Behaviour implements ResponseDefinitionTransformerV2 {

        @Override
        public String getName() {
            return TRANSFORMER;
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            LoggedRequest request = event.getRequest();
            String path = URI.create(request.getUrl()).getPath();
            String[] parts = path.split("/");
            String method = request.getMethod().getName();
            if (method.equals("DELETE")) {
                String meetingId = parts[2];
                if (deletedMeetings.contains(meetingId) || !liveMeetings().contains(meetingId)) {
                    return error(404, "NotFoundException");
                }
                if (parts.length == 3) {
                    deletedMeetings.add(meetingId);
                }
                return new ResponseDefinition(204, "");
            }
            JsonNode body = read(request.getBodyAsString());
            if (parts.length == 2) { // POST /meetings
                String token = body.path("ClientRequestToken").asText();
                String meetingId = meetingId(token);
                ObjectNode meeting = JSON.createObjectNode();
                ObjectNode m = meeting.putObject("Meeting");
                m.put("MeetingId", meetingId);
                m.put("ExternalMeetingId", body.path("ExternalMeetingId").asText());
                m.put("MediaRegion", body.path("MediaRegion").asText());
                m.put("MeetingArn", "arn:aws:chime:us-east-1:111122223333:meeting/" + meetingId);
                ObjectNode placement = m.putObject("MediaPlacement");
                String host = meetingId.substring(0, 8) + ".k.m1.ue1.app.chime.aws";
                placement.put("AudioHostUrl", host + ":3478");
                placement.put("AudioFallbackUrl", "wss://haxrp.m1.ue1.app.chime.aws:443/calls/" + meetingId);
                placement.put("SignalingUrl", "wss://signal.m1.ue1.app.chime.aws/control/" + meetingId);
                placement.put("TurnControlUrl", "https://2713.cell.us-east-1.meetings.chime.aws/v2/turn_sessions");
                placement.put("EventIngestionUrl", "https://data.svc.ue1.ingest.chime.aws/v1/client-events");
                if (body.has("MeetingFeatures")) {
                    m.set("MeetingFeatures", body.get("MeetingFeatures"));
                }
                createdMeetings.add(meetingId);
                return json(200, meeting);
            }
            String meetingId = parts[2];
            if (deletedMeetings.contains(meetingId) || !liveMeetings().contains(meetingId)) {
                return error(404, "NotFoundException");
            }
            String externalUserId = body.path("ExternalUserId").asText();
            String attendeeId = UUID.nameUUIDFromBytes((meetingId + "\n" + externalUserId)
                    .getBytes(StandardCharsets.UTF_8)).toString();
            ObjectNode attendee = JSON.createObjectNode();
            ObjectNode a = attendee.putObject("Attendee");
            a.put("ExternalUserId", externalUserId);
            a.put("AttendeeId", attendeeId);
            a.put("JoinToken", Base64.getEncoder().withoutPadding().encodeToString(
                    ("join-token-" + attendeeId).getBytes(StandardCharsets.UTF_8)).replace('=', 'A'));
            if (body.has("Capabilities")) {
                a.set("Capabilities", body.get("Capabilities"));
            }
            return json(200, attendee);
        }

        private ResponseDefinition json(int status, JsonNode body) {
            return com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder.responseDefinition()
                    .withStatus(status).withHeader("Content-Type", "application/json").withBody(body.toString()).build();
        }

        private ResponseDefinition error(int status, String type) {
            return com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder.responseDefinition()
                    .withStatus(status).withHeader("Content-Type", "application/json").withHeader("x-amzn-ErrorType", type)
                    .withBody("{\"Code\":\"" + type.replace("Exception", "") + "\",\"Message\":\"stubbed\"}").build();
        }
    }
}
