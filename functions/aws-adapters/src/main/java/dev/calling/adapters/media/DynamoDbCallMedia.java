package dev.calling.adapters.media;

import static dev.calling.adapters.dynamodb.Attributes.n;
import static dev.calling.adapters.dynamodb.Attributes.s;
import static dev.calling.adapters.dynamodb.Attributes.string;

import dev.calling.core.app.MediaDirectory;
import dev.calling.core.app.MediaJoin;
import dev.calling.core.call.Party;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The {@code call-media} table: one item per call, written by the switch, read by the call API.
 * Item: {@code callId}, {@code provider}, {@code sessionId} (the meeting id), {@code state} (OPEN or
 * CLOSED), {@code legs} (a map by connection id: user, party, leg id, join document) and
 * {@code expiresAt} (TTL, epoch seconds). The item is bounded: a call has the caller's connection and
 * the callee's answering one. Closing drops every join document and keeps a tombstone.
 */
public final class DynamoDbCallMedia implements MediaDirectory {

    /** One party connection's part of a call's media. {@code join} holds a credential. */
    public record MediaLeg(String connectionId, String userId, Party party, String legId, String join) {
        public MediaLeg {
            Objects.requireNonNull(connectionId, "connectionId");
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(party, "party");
            Objects.requireNonNull(legId, "legId");
            Objects.requireNonNull(join, "join");
        }

        @Override
        public String toString() {
            return "MediaLeg[" + party + " " + userId + "/" + connectionId + ", leg " + legId + "]";
        }
    }

    /**
     * A call's media session as the switch opens it: who takes part, and the switch's session
     * ({@code sessionId}, and {@code session}, its description as JSON text, which holds no credential).
     */
    public record MediaSession(String callId, String provider, String sessionId, String session, String callerUserId,
            String callerConnectionId, String calleeUserId) {
        public MediaSession {
            Objects.requireNonNull(callId, "callId");
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(callerUserId, "callerUserId");
            Objects.requireNonNull(callerConnectionId, "callerConnectionId");
            Objects.requireNonNull(calleeUserId, "calleeUserId");
        }
    }

    /**
     * A call's media as stored: its session (null on a bare tombstone), closed or not, its legs, and
     * the PSTN attempts whose phone leg has been put into the session.
     */
    public record CallMediaItem(String callId, MediaSession session, boolean closed, Map<String, MediaLeg> legs,
            java.util.Set<Integer> seatedPhones) {
        public CallMediaItem {
            legs = Map.copyOf(legs);
            seatedPhones = java.util.Set.copyOf(seatedPhones);
        }

        public Optional<MediaLeg> legOf(String connectionId) {
            return Optional.ofNullable(legs.get(connectionId));
        }

        public Optional<MediaLeg> legById(String legId) {
            return legs.values().stream().filter(leg -> leg.legId().equals(legId)).findFirst();
        }
    }

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbCallMedia(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    public Optional<CallMediaItem> find(String callId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("callId", s(callId)))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public Optional<MediaJoin> joinOf(String callId, String userId) {
        return find(callId).filter(media -> !media.closed() && media.session() != null).flatMap(media -> media.legs().values().stream()
                .filter(leg -> leg.userId().equals(userId)).findFirst()
                .map(leg -> new MediaJoin(callId, userId, leg.connectionId(), media.session().provider(), leg.join())));
    }

    /**
     * Records the call's media session; idempotent for the same session. Returns false, writing
     * nothing, if the call's media was closed already (the call is over) or holds another session.
     */
    public boolean open(MediaSession session, Instant expiresAt) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("callId", s(session.callId()));
        item.put("provider", s(session.provider()));
        item.put("sessionId", s(session.sessionId()));
        item.put("session", s(session.session()));
        item.put("callerUserId", s(session.callerUserId()));
        item.put("callerConnectionId", s(session.callerConnectionId()));
        item.put("calleeUserId", s(session.calleeUserId()));
        item.put("state", s("OPEN"));
        item.put("legs", AttributeValue.fromM(Map.of()));
        item.put("expiresAt", n(expiresAt.getEpochSecond()));
        try {
            dynamoDb.putItem(r -> r.tableName(table).conditionExpression("attribute_not_exists(callId)").item(item));
            return true;
        } catch (ConditionalCheckFailedException exists) {
            return find(session.callId()).map(media -> !media.closed() && media.session() != null
                    && media.session().sessionId().equals(session.sessionId())).orElse(false);
        }
    }

    /** Adds (or replaces) a party connection's leg; false if the call's media is closed or not open. */
    public boolean putLeg(String callId, MediaLeg leg) {
        Map<String, AttributeValue> value = new LinkedHashMap<>();
        value.put("userId", s(leg.userId()));
        value.put("party", s(leg.party().name()));
        value.put("legId", s(leg.legId()));
        value.put("join", s(leg.join()));
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(Map.of("callId", s(callId)))
                    .updateExpression("SET legs.#c = :leg")
                    .conditionExpression("attribute_exists(callId) AND #state = :open")
                    .expressionAttributeNames(Map.of("#c", leg.connectionId(), "#state", "state"))
                    .expressionAttributeValues(Map.of(":leg", AttributeValue.fromM(value), ":open", s("OPEN"))));
            return true;
        } catch (ConditionalCheckFailedException closed) {
            return false;
        }
    }

    /** Notes that the phone leg of PSTN attempt {@code attempt} was put into the call's media session. */
    public void phoneSeated(String callId, int attempt) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(Map.of("callId", s(callId)))
                    .updateExpression("ADD seatedPhones :attempt")
                    .conditionExpression("attribute_exists(callId)")
                    .expressionAttributeValues(Map.of(":attempt", AttributeValue.fromNs(
                            java.util.List.of(Integer.toString(attempt))))));
        } catch (ConditionalCheckFailedException none) {
            // no media for this call any more
        }
    }

    /** Removes a connection's leg, if there is one. */
    public void removeLeg(String callId, String connectionId) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(Map.of("callId", s(callId)))
                    .updateExpression("REMOVE legs.#c")
                    .conditionExpression("attribute_exists(callId)")
                    .expressionAttributeNames(Map.of("#c", connectionId)));
        } catch (ConditionalCheckFailedException none) {
            // nothing was set up for this call
        }
    }

    /**
     * Closes the call's media for good: the join documents go, a tombstone stays until
     * {@code keepUntil} so that a late or redelivered command does not set media up again.
     */
    public void close(String callId, Instant keepUntil) {
        dynamoDb.updateItem(r -> r.tableName(table).key(Map.of("callId", s(callId)))
                .updateExpression("SET #state = :closed, legs = :none, expiresAt = :until")
                .expressionAttributeNames(Map.of("#state", "state"))
                .expressionAttributeValues(Map.of(":closed", s("CLOSED"), ":none", AttributeValue.fromM(Map.of()),
                        ":until", n(keepUntil.getEpochSecond()))));
    }

    private static CallMediaItem fromItem(Map<String, AttributeValue> item) {
        Map<String, MediaLeg> legs = new LinkedHashMap<>();
        AttributeValue stored = item.get("legs");
        if (stored != null && stored.hasM()) {
            stored.m().forEach((connectionId, value) -> {
                Map<String, AttributeValue> leg = value.m();
                legs.put(connectionId, new MediaLeg(connectionId, string(leg, "userId"),
                        Party.valueOf(string(leg, "party")), string(leg, "legId"), string(leg, "join")));
            });
        }
        MediaSession session = item.containsKey("sessionId") ? new MediaSession(string(item, "callId"),
                string(item, "provider"), string(item, "sessionId"), string(item, "session"),
                string(item, "callerUserId"), string(item, "callerConnectionId"), string(item, "calleeUserId")) : null;
        java.util.Set<Integer> seated = new java.util.TreeSet<>();
        AttributeValue phones = item.get("seatedPhones");
        if (phones != null && phones.hasNs()) {
            phones.ns().forEach(n -> seated.add(Integer.parseInt(n)));
        }
        return new CallMediaItem(string(item, "callId"), session, "CLOSED".equals(string(item, "state")), legs,
                seated);
    }
}
