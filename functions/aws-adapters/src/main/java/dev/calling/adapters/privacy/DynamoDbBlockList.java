package dev.calling.adapters.privacy;

import dev.calling.core.privacy.BlockList;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * The {@code blocks} table: one small item per block (key {@code userId} + {@code blockedUserId}, and
 * {@code since}), so the check made for every call to a user is one strongly consistent GetItem of a few bytes
 * (half a read unit), whatever the blocker's list holds. A block is put only if absent (the first time is kept);
 * the bound is checked with a key-only count first, so concurrent blocks by one user may pass it by the few
 * racing at that moment (it keeps the list bounded, it is not a quota).
 */
public final class DynamoDbBlockList implements BlockList {

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbBlockList(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public Block block(Block block) {
        Map<String, AttributeValue> existing = get(block.userId(), block.blockedUserId());
        if (existing != null) {
            return from(existing);
        }
        int count = dynamoDb.query(r -> r.tableName(table).consistentRead(true).select(Select.COUNT)
                .keyConditionExpression("userId = :u").expressionAttributeValues(Map.of(":u", s(block.userId()))))
                .count();
        if (count >= MAX_PER_USER) {
            throw new TooManyBlocked(block.userId());
        }
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(Map.of("userId", s(block.userId()),
                    "blockedUserId", s(block.blockedUserId()), "since", s(block.since().toString())))
                    .conditionExpression("attribute_not_exists(blockedUserId)"));
            return block;
        } catch (ConditionalCheckFailedException concurrent) {
            return from(get(block.userId(), block.blockedUserId())); // the same block, put a moment before
        }
    }

    @Override
    public boolean unblock(String userId, String blockedUserId) {
        var deleted = dynamoDb.deleteItem(r -> r.tableName(table).key(key(userId, blockedUserId))
                .returnValues(ReturnValue.ALL_OLD));
        return deleted.hasAttributes() && !deleted.attributes().isEmpty();
    }

    @Override
    public List<Block> of(String userId) {
        List<Block> blocks = new ArrayList<>();
        dynamoDb.queryPaginator(r -> r.tableName(table).consistentRead(true).keyConditionExpression("userId = :u")
                .expressionAttributeValues(Map.of(":u", s(userId)))).items().forEach(item -> blocks.add(from(item)));
        blocks.sort(Comparator.comparing(Block::since).thenComparing(Block::blockedUserId));
        return blocks;
    }

    @Override
    public boolean blocks(String userId, String otherUserId) {
        return get(userId, otherUserId) != null;
    }

    private Map<String, AttributeValue> get(String userId, String blockedUserId) {
        var item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true).key(key(userId, blockedUserId)))
                .item();
        return item == null || item.isEmpty() ? null : item;
    }

    private static Map<String, AttributeValue> key(String userId, String blockedUserId) {
        return Map.of("userId", s(userId), "blockedUserId", s(blockedUserId));
    }

    private static Block from(Map<String, AttributeValue> item) {
        return new Block(item.get("userId").s(), item.get("blockedUserId").s(), Instant.parse(item.get("since").s()));
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
