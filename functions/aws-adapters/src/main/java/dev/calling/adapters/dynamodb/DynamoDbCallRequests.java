package dev.calling.adapters.dynamodb;

import static dev.calling.adapters.dynamodb.Attributes.n;
import static dev.calling.adapters.dynamodb.Attributes.s;
import static dev.calling.adapters.dynamodb.Attributes.string;

import dev.calling.adapters.json.Json;
import dev.calling.core.app.CallRequests;
import dev.calling.core.app.PlacedCall;
import dev.calling.core.call.CallEvent;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Calls placed through the API in the {@code call-requests} table: the request as sent (JSON), its
 * fingerprint, and {@code expiresAt} (epoch seconds, the TTL attribute). One conditional PutItem per
 * new call; a retry is one strongly consistent GetItem.
 */
public final class DynamoDbCallRequests implements CallRequests {

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbCallRequests(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public Optional<PlacedCall> find(String callId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("callId", s(callId)))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public PlacedCall storeOnce(PlacedCall placed) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("callId", s(placed.callId()));
        item.put("callerUserId", s(placed.request().callerUserId()));
        item.put("fingerprint", s(placed.fingerprint()));
        item.put("request", s(Json.write(placed.request())));
        item.put("expiresAt", n(placed.expiresAt().getEpochSecond()));
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(callId)"));
            return placed;
        } catch (ConditionalCheckFailedException alreadyPlaced) {
            return find(placed.callId()).orElseThrow(() -> alreadyPlaced);
        }
    }

    private static PlacedCall fromItem(Map<String, AttributeValue> item) {
        return new PlacedCall((CallEvent.CallRequested) Json.readCallEvent(string(item, "request")),
                string(item, "fingerprint"), Instant.ofEpochSecond(Long.parseLong(item.get("expiresAt").n())));
    }
}
