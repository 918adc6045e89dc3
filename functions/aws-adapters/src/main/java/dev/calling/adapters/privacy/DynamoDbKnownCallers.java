package dev.calling.adapters.privacy;

import java.lang.System.Logger.Level;
import software.amazon.awssdk.core.exception.SdkException;

import dev.calling.core.privacy.KnownCallers;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The {@code known-callers} table: one small item per pair ({@code userId} knows {@code knownUserId}), written
 * with one UpdateItem that keeps the first time ({@code since}) and moves the latest ({@code lastAt}), so a
 * redelivered event writes the same item again; read with one strongly consistent GetItem of a few bytes.
 */
public final class DynamoDbKnownCallers implements KnownCallers {

    private static final System.Logger LOG = System.getLogger(DynamoDbKnownCallers.class.getName());

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbKnownCallers(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public boolean knows(String userId, String otherUserId) {
        var item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true).key(key(userId, otherUserId))
                .projectionExpression("userId")).item();
        return item != null && !item.isEmpty();
    }

    /** Best effort: a write that fails (after the SDK's retries) is logged and dropped; the call goes on. */
    @Override
    public void remember(String userId, String otherUserId, Instant at) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(userId, otherUserId))
                    .updateExpression("SET since = if_not_exists(since, :at), lastAt = :at")
                    .expressionAttributeValues(Map.of(":at", AttributeValue.fromS(at.toString()))));
        } catch (SdkException e) {
            LOG.log(Level.WARNING, () -> "known-callers: a mark of " + at + " was not written (" + e.getClass()
                    .getSimpleName() + "); a later call between the two users may be silenced");
        }
    }

    private static Map<String, AttributeValue> key(String userId, String otherUserId) {
        return Map.of("userId", AttributeValue.fromS(userId), "knownUserId", AttributeValue.fromS(otherUserId));
    }
}
