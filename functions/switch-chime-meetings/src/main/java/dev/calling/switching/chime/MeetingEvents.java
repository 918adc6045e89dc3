package dev.calling.switching.chime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.json.MalformedMessage;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.media.DynamoDbCallMedia.CallMediaItem;
import dev.calling.adapters.media.DynamoDbCallMedia.MediaLeg;
import dev.calling.core.call.CallEvent;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Turns Amazon Chime SDK meeting lifecycle events, as EventBridge delivers them
 * ({@code source = aws.chime}, {@code detail-type = Chime Meeting State Change}; shapes from
 * https://docs.aws.amazon.com/chime-sdk/latest/dg/using-events.html), into call events:
 * <ul>
 *   <li>{@code chime:AttendeeLeft} of a party's attendee: that party hung up ({@code CallHungUp});
 *   <li>{@code chime:AttendeeDropped}: that party's media was lost ({@code MediaLost});
 *   <li>{@code chime:MeetingEnded} of a meeting this switch did not delete: the call's media was lost.
 * </ul>
 * Anything else (other event types, meetings or attendees that are not a live call's) means nothing
 * to a call and is dropped. The event id is EventBridge's, so a redelivered event is a duplicate.
 * Times come from the event but never lie in the future of this function's clock (plus a small skew).
 */
public final class MeetingEvents {

    static final Duration ALLOWED_SKEW = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DynamoDbCallMedia media;
    private final Clock clock;

    public MeetingEvents(DynamoDbCallMedia media, Clock clock) {
        this.media = media;
        this.clock = clock;
    }

    public Optional<CallEvent> toCallEvent(String body) {
        JsonNode event = read(body);
        JsonNode detail = event.path("detail");
        String id = event.path("id").asText("");
        String type = detail.path("eventType").asText("");
        String callId = detail.path("externalMeetingId").asText("");
        if (id.isBlank() || type.isBlank() || !"aws.chime".equals(event.path("source").asText())) {
            throw new MalformedMessage("meeting event", new IllegalArgumentException(
                    "not an Amazon Chime meeting event with an id and an eventType"));
        }
        if (callId.isBlank() || !(type.equals("chime:AttendeeLeft") || type.equals("chime:AttendeeDropped")
                || type.equals("chime:MeetingEnded"))) {
            return Optional.empty();
        }
        Optional<CallMediaItem> item = media.find(callId).filter(m -> !m.closed() && m.session() != null
                && m.session().sessionId().equals(detail.path("meetingId").asText()));
        if (item.isEmpty()) {
            return Optional.empty(); // not a live call's meeting (ended and deleted by us, or not ours)
        }
        Instant at = at(event, detail);
        String eventId = "meeting:" + id;
        if (type.equals("chime:MeetingEnded")) {
            return Optional.of(new CallEvent.MediaLost(eventId, callId, at, null, "the meeting ended"));
        }
        Optional<MediaLeg> leg = item.get().legById(detail.path("attendeeId").asText(""));
        if (leg.isEmpty()) {
            return Optional.empty(); // an attendee already released
        }
        return Optional.of(type.equals("chime:AttendeeLeft")
                ? new CallEvent.CallHungUp(eventId, callId, at, 0, 0, leg.get().party())
                : new CallEvent.MediaLost(eventId, callId, at, leg.get().party(), "its connection dropped"));
    }

    private Instant at(JsonNode event, JsonNode detail) {
        Instant now = clock.instant();
        Instant at;
        if (detail.path("timestamp").canConvertToLong()) {
            at = Instant.ofEpochMilli(detail.path("timestamp").asLong());
        } else {
            try {
                at = Instant.parse(event.path("time").asText());
            } catch (RuntimeException unreadable) {
                at = now;
            }
        }
        return at.isAfter(now.plus(ALLOWED_SKEW)) ? now : at;
    }

    private static JsonNode read(String body) {
        try {
            JsonNode node = body == null ? null : JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new IOException("not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new MalformedMessage("meeting event", e);
        }
    }
}
