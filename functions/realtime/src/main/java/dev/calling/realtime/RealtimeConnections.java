package dev.calling.realtime;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.core.session.ConnectionEvent.ConnectionClosed;
import dev.calling.core.session.ConnectionEvent.ConnectionHeartbeat;
import dev.calling.core.session.ConnectionEvent.ConnectionOpened;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What the app's realtime channel means for its sessions: a connection opened, beat or closed
 * becomes a connection event for the SessionService, and every app message is checked before
 * anything is published. The user is whoever the authorizer verified on {@code $connect}; a
 * request without one is refused. Used by the {@link Realtime} Lambda and by the local gateway.
 *
 * <p>Event ids of "opened" and "closed" are derived from the connection id, so a redelivered
 * {@code $connect} or {@code $disconnect} is the same event to the session service.
 */
public final class RealtimeConnections {

    /** A reply to the app (API Gateway's route response): status and, when there is one, a JSON body. */
    public record Reply(int statusCode, String body) {

        public static Reply ok() {
            return new Reply(200, null);
        }

        public static Reply error(int statusCode, String detail) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("type", "error");
            error.put("detail", detail);
            return new Reply(statusCode, json(error));
        }
    }

    public static final int MAX_MESSAGE_BYTES = 4096;
    public static final String HEARTBEAT = "heartbeat";

    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ConnectionEventPublisher events;
    private final Clock clock;

    public RealtimeConnections(ConnectionEventPublisher events, Clock clock) {
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * {@code $connect}. A non-2xx reply refuses the connection.
     *
     * @param device the app's own id for this device (query parameter {@code device}), so its
     *     reconnects stay one session; null: the connection is its own session
     * @param connectedAt null: now
     */
    public Reply connect(String userId, String connectionId, String device, Instant connectedAt) {
        Reply refused = refusal(userId, connectionId);
        if (refused != null) {
            return refused;
        }
        if (device != null && !DEVICE.matcher(device).matches()) {
            return Reply.error(400, "device must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'");
        }
        events.publish(new ConnectionOpened("ws:" + connectionId + ":opened", userId,
                device != null ? device : connectionId, connectionId, orNow(connectedAt)));
        return Reply.ok();
    }

    /** {@code $disconnect} (API Gateway ignores the reply; the connection is gone either way). */
    public Reply disconnect(String userId, String connectionId, Instant at) {
        Reply refused = refusal(userId, connectionId);
        if (refused != null) {
            return refused;
        }
        events.publish(new ConnectionClosed("ws:" + connectionId + ":closed", userId, connectionId, orNow(at)));
        return Reply.ok();
    }

    /**
     * A message from the app ({@code $default} route). The only one is {@code {"action":"heartbeat"}},
     * answered with the connection's own id so an app learns it.
     */
    public Reply message(String userId, String connectionId, String body, Instant at) {
        Reply refused = refusal(userId, connectionId);
        if (refused != null) {
            return refused;
        }
        if (body == null || body.isBlank()) {
            return Reply.error(400, "empty message; send {\"action\":\"heartbeat\"}");
        }
        int bytes = body.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_MESSAGE_BYTES) {
            return Reply.error(400, "message is " + bytes + " bytes; at most " + MAX_MESSAGE_BYTES + " are accepted");
        }
        JsonNode message;
        try {
            message = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return Reply.error(400, malformed(e));
        }
        if (!message.isObject()) {
            return Reply.error(400, "a message is a JSON object like {\"action\":\"heartbeat\"}");
        }
        JsonNode action = message.get("action");
        if (action == null || !action.isTextual()) {
            return Reply.error(400, "no \"action\" in the message; send {\"action\":\"heartbeat\"}");
        }
        if (!HEARTBEAT.equals(action.textValue())) {
            return Reply.error(400, "unknown action \"" + action.textValue() + "\"; the only action is \"heartbeat\"");
        }
        events.publish(new ConnectionHeartbeat(UUID.randomUUID().toString(), userId, connectionId, orNow(at)));
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("type", HEARTBEAT);
        reply.put("connectionId", connectionId);
        reply.put("userId", userId);
        return new Reply(200, json(reply));
    }

    // The user id is only ever the authorizer's: an app cannot name itself.
    private static Reply refusal(String userId, String connectionId) {
        if (userId == null || userId.isBlank()) {
            return Reply.error(401, "not authenticated: connect with a token");
        }
        if (connectionId == null || connectionId.isBlank()) {
            return Reply.error(400, "no connection id");
        }
        return null;
    }

    /** Jackson's own words, without its internals ("start marker at [Source: REDACTED ...]"). */
    private static String malformed(JsonProcessingException e) {
        String what = e.getOriginalMessage();
        int internals = what.indexOf(" (start marker");
        what = (internals < 0 ? what : what.substring(0, internals)).lines().findFirst().orElse("");
        JsonLocation at = e.getLocation();
        return at == null ? "malformed JSON: " + what
                : "malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " + what;
    }

    private Instant orNow(Instant at) {
        return at != null ? at : clock.instant();
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
