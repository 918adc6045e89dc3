package dev.calling.adapters.dynamodb;

import static dev.calling.adapters.dynamodb.Attributes.s;

import dev.calling.adapters.Resources;
import dev.calling.core.Page;
import dev.calling.core.app.CallHistory;
import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import dev.calling.core.call.Call;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * A user's calls from the {@code calls} table's two keys-only indexes ({@code caller-index},
 * {@code callee-index}), merged newest first: a page reads up to {@code limit} keys from each
 * index below the cursor (the last {@code listKey} returned), keeps the newest {@code limit}, and
 * fetches those records in one BatchGetItem. Both indexes are eventually consistent: a call
 * created a moment ago may appear on the next read.
 */
public final class DynamoDbCallHistory implements CallHistory {

    private static final Pattern CURSOR = Pattern.compile("[0-9]{13}#[A-Za-z0-9@._:+=-]{1,128}");

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbCallHistory(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public Page<Call> callsOf(String userId, int limit, Optional<String> after) {
        after.ifPresent(cursor -> {
            if (!CURSOR.matcher(cursor).matches()) {
                throw new RequestRefused(Refusal.INVALID_REQUEST, "not a page cursor of this list");
            }
        });
        TreeSet<String> keys = new TreeSet<>(Comparator.reverseOrder());
        boolean more = false;
        for (var index : Resources.CALLS.indexes()) {
            if (!index.sortKey().equals(Optional.of("listKey"))) {
                continue; // the caller's and callee's indexes only, not the sweeper's
            }
            QueryResponse response = query(index.name(), index.partitionKey(), userId, limit, after);
            response.items().forEach(item -> keys.add(item.get("listKey").s()));
            more |= response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty();
        }
        List<String> page = keys.stream().limit(limit).toList();
        more |= keys.size() > limit;
        Optional<String> next = more && !page.isEmpty() ? Optional.of(page.get(page.size() - 1)) : Optional.empty();
        return new Page<>(load(page), next);
    }

    private QueryResponse query(String index, String userAttribute, String userId, int limit, Optional<String> after) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":u", s(userId)));
        after.ifPresent(cursor -> values.put(":after", s(cursor)));
        return dynamoDb.query(r -> r.tableName(table).indexName(index).limit(limit).scanIndexForward(false)
                .keyConditionExpression(userAttribute + " = :u" + (after.isPresent() ? " AND listKey < :after" : ""))
                .expressionAttributeValues(values));
    }

    /** The records of the listed keys, in the keys' order; keys DynamoDB leaves unprocessed are asked again. */
    private List<Call> load(List<String> listKeys) {
        if (listKeys.isEmpty()) {
            return List.of();
        }
        List<Map<String, AttributeValue>> wanted = new ArrayList<>();
        for (String listKey : listKeys) {
            wanted.add(Map.of("callId", s(listKey.substring(listKey.indexOf('#') + 1))));
        }
        Map<String, Call> byId = new HashMap<>();
        Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(wanted).build());
        while (!request.isEmpty()) {
            var finalRequest = request;
            var response = dynamoDb.batchGetItem(r -> r.requestItems(finalRequest));
            response.responses().getOrDefault(table, List.of()).stream().map(DynamoDbCallStore::fromItem)
                    .forEach(call -> byId.put(call.callId(), call));
            request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
        }
        return listKeys.stream().map(k -> byId.get(k.substring(k.indexOf('#') + 1)))
                .filter(java.util.Objects::nonNull).toList();
    }
}
