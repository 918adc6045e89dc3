package dev.calling.push.sns;

import dev.calling.core.push.PushKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The {@code push-markers} table: one item per push about to go out ({@code pushKey} =
 * {@code <callId>#<deviceId>#<KIND>}), put with {@code attribute_not_exists(pushKey)} before the push is
 * sent, so only one of any number of deliveries of the same command, concurrent or not, sends it. Items
 * expire ({@code expiresAt}, epoch seconds, the table's TTL attribute) after {@link #KEEP}: far longer than
 * a push command lives on its queue.
 */
public final class PushMarkers {

    public static final Duration KEEP = Duration.ofDays(2);

    private final DynamoDbClient dynamoDb;
    private final String table;

    public PushMarkers(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    public static String key(String callId, String deviceId, PushKind kind) {
        return callId + "#" + deviceId + "#" + kind.name();
    }

    /** Puts the marker; false if it was there already (the push is someone else's, or sent before). */
    public boolean claim(String pushKey, Instant now) {
        try {
            dynamoDb.putItem(r -> r.tableName(table)
                    .item(Map.of("pushKey", AttributeValue.fromS(pushKey),
                            "claimedAt", AttributeValue.fromS(now.toString()),
                            "expiresAt", AttributeValue.fromN(Long.toString(now.plus(KEEP).getEpochSecond()))))
                    .conditionExpression("attribute_not_exists(pushKey)"));
            return true;
        } catch (ConditionalCheckFailedException taken) {
            return false;
        }
    }

    /** Removes the marker of a push that certainly did not go out, so that a retry sends it. */
    public void release(String pushKey) {
        dynamoDb.deleteItem(r -> r.tableName(table).key(Map.of("pushKey", AttributeValue.fromS(pushKey))));
    }

    /** Whether the marker is there (for tests and operators). */
    public boolean exists(String pushKey) {
        return dynamoDb.getItem(r -> r.tableName(table).key(Map.of("pushKey", AttributeValue.fromS(pushKey)))
                .consistentRead(true)).hasItem();
    }
}
