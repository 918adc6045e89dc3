package dev.calling.adapters.dynamodb;

import dev.calling.core.app.CallAttempts;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Call attempts in the {@code call-attempts} table: one item per user and minute, counted by one conditional
 * UpdateItem ({@code ADD attempts :one} only while {@code attempts < :limit}), so concurrent attempts cannot pass
 * the limit together and a refused one changes nothing. 1 WCU per attempt; the items expire after an hour (TTL).
 */
public final class DynamoDbCallAttempts implements CallAttempts {

    static final Duration KEPT = Duration.ofHours(1);

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbCallAttempts(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public boolean count(String userId, Instant at, int limit) {
        long minute = Math.floorDiv(at.toEpochMilli(), WINDOW.toMillis());
        try {
            dynamoDb.updateItem(r -> r.tableName(table)
                    .key(Map.of("windowKey", AttributeValue.fromS(userId + "#" + minute)))
                    .updateExpression("ADD attempts :one SET expiresAt = if_not_exists(expiresAt, :expires)")
                    .conditionExpression("attribute_not_exists(attempts) OR attempts < :limit")
                    .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"),
                            ":limit", AttributeValue.fromN(Integer.toString(limit)),
                            ":expires", AttributeValue.fromN(Long.toString(at.plus(KEPT).getEpochSecond())))));
            return true;
        } catch (ConditionalCheckFailedException full) {
            return false;
        }
    }
}
