package dev.calling.adapters.dynamodb;

import static dev.calling.adapters.dynamodb.Attributes.instant;
import static dev.calling.adapters.dynamodb.Attributes.n;
import static dev.calling.adapters.dynamodb.Attributes.number;
import static dev.calling.adapters.dynamodb.Attributes.s;
import static dev.calling.adapters.dynamodb.Attributes.string;

import dev.calling.adapters.Resources;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import dev.calling.core.session.SessionStore;
import dev.calling.core.session.UserSessions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The {@code sessions} table: one item per (userId, connectionId), a GSI on connectionId.
 * {@code expiresAt} is epoch seconds and is the table's TTL attribute; since DynamoDB deletes
 * expired items lazily, readers also compare it with the clock ({@link Connection#isLiveAt}).
 * {@code lastSeenAt} is epoch milliseconds so that heartbeats can be ordered in a condition.
 */
public final class DynamoDbSessionStore implements SessionStore {

    static final String UNKNOWN_SESSION = "-";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbSessionStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public boolean open(Connection connection) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("userId", s(connection.userId()));
        item.put("connectionId", s(connection.connectionId()));
        item.put("sessionId", s(connection.sessionId()));
        item.put("state", s(ConnectionState.OPEN.name()));
        item.put("openedAt", s(connection.openedAt().toString()));
        item.put("lastSeenAt", n(connection.lastSeenAt().toEpochMilli()));
        item.put("expiresAt", n(connection.expiresAt().getEpochSecond()));
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(connectionId)"));
            return true;
        } catch (ConditionalCheckFailedException alreadyKnown) {
            return false;
        }
    }

    @Override
    public boolean heartbeat(String userId, String connectionId, Instant seenAt, Instant expiresAt) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(userId, connectionId))
                    .updateExpression("SET lastSeenAt = :seen, expiresAt = :expires")
                    .conditionExpression("#state = :open AND lastSeenAt < :seen")
                    .expressionAttributeNames(Map.of("#state", "state"))
                    .expressionAttributeValues(Map.of(":seen", n(seenAt.toEpochMilli()),
                            ":expires", n(expiresAt.getEpochSecond()), ":open", s(ConnectionState.OPEN.name()))));
            return true;
        } catch (ConditionalCheckFailedException notOpenOrOlder) {
            return false;
        }
    }

    @Override
    public void close(String userId, String connectionId, Instant closedAt, Instant forgetAt) {
        dynamoDb.updateItem(r -> r.tableName(table).key(key(userId, connectionId))
                .updateExpression("SET #state = :closed, closedAt = if_not_exists(closedAt, :at), "
                        + "expiresAt = :forget, sessionId = if_not_exists(sessionId, :unknown), "
                        + "lastSeenAt = if_not_exists(lastSeenAt, :zero)")
                .expressionAttributeNames(Map.of("#state", "state"))
                .expressionAttributeValues(Map.of(":closed", s(ConnectionState.CLOSED.name()),
                        ":at", s(closedAt.toString()), ":forget", n(forgetAt.getEpochSecond()),
                        ":unknown", s(UNKNOWN_SESSION), ":zero", n(0))));
    }

    @Override
    public UserSessions sessionsOf(String userId) {
        List<Connection> connections = dynamoDb.queryPaginator(r -> r.tableName(table).consistentRead(true)
                        .keyConditionExpression("userId = :u").expressionAttributeValues(Map.of(":u", s(userId))))
                .items().stream().map(DynamoDbSessionStore::fromItem).toList();
        return UserSessions.of(userId, connections);
    }

    @Override
    public Optional<Connection> connection(String connectionId) {
        return dynamoDb.query(r -> r.tableName(table).indexName(Resources.SESSIONS.indexes().get(0).name())
                        .keyConditionExpression("connectionId = :c")
                        .expressionAttributeValues(Map.of(":c", s(connectionId))))
                .items().stream().findFirst().map(DynamoDbSessionStore::fromItem);
    }

    private static Map<String, AttributeValue> key(String userId, String connectionId) {
        return Map.of("userId", s(userId), "connectionId", s(connectionId));
    }

    private static Connection fromItem(Map<String, AttributeValue> item) {
        return new Connection(string(item, "userId"), string(item, "sessionId"), string(item, "connectionId"),
                ConnectionState.valueOf(string(item, "state")), instant(item, "openedAt"),
                Instant.ofEpochMilli(number(item, "lastSeenAt")), Instant.ofEpochSecond(number(item, "expiresAt")));
    }
}
