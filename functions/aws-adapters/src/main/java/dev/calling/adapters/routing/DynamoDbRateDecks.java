package dev.calling.adapters.routing;

import dev.calling.adapters.Resources;
import dev.calling.core.operator.RateDeckSchedules;
import dev.calling.core.routing.RateDeckObject;
import dev.calling.core.routing.ScheduledRateDeck;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The carriers' scheduled cost decks in the {@code rate-decks} table ({@link Resources#RATE_DECKS}): one item per
 * carrier ({@code carrierId}) and instant ({@code effectiveFrom}, stored as {@link ScheduledRateDeck#format} so the
 * sort key orders them in time), naming the validated object ({@code key}, {@code versionId} when the bucket is
 * versioned, {@code eTag}). Every write is conditional, so two operators never overwrite each other unseen.
 */
public final class DynamoDbRateDecks implements RateDeckSchedules {

    /** Items a query asks for per page. */
    private static final int PAGE = 10;

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbRateDecks(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public List<ScheduledRateDeck> schedule(String carrierId, int limit) {
        QueryResponse page = dynamoDb.query(r -> r.tableName(table).keyConditionExpression("carrierId = :c")
                .expressionAttributeValues(Map.of(":c", AttributeValue.fromS(carrierId))).scanIndexForward(false)
                .limit(limit));
        return page.items().stream().map(DynamoDbRateDecks::from).toList();
    }

    /**
     * What a call state manager needs to price a carrier until its next read: every deck scheduled after {@code now}
     * (newest first) and the {@code earlier} newest from {@code now} or before (the one in effect and its fallbacks),
     * read page by page newest first, at most {@code most} decks in all.
     */
    public List<ScheduledRateDeck> upcoming(String carrierId, Instant now, int earlier, int most) {
        List<ScheduledRateDeck> decks = new ArrayList<>();
        int notAfterNow = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamoDb.query(r -> r.tableName(table).keyConditionExpression("carrierId = :c")
                    .expressionAttributeValues(Map.of(":c", AttributeValue.fromS(carrierId))).scanIndexForward(false)
                    .limit(PAGE).exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                ScheduledRateDeck deck = from(item);
                decks.add(deck);
                if (!deck.effectiveFrom().isAfter(now) && ++notAfterNow >= earlier || decks.size() >= most) {
                    return decks;
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return decks;
    }

    @Override
    public Optional<ScheduledRateDeck> at(String carrierId, Instant effectiveFrom) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(carrierId, effectiveFrom))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(from(item));
    }

    @Override
    public boolean add(ScheduledRateDeck deck) {
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item(deck)).conditionExpression("attribute_not_exists(carrierId)"));
            return true;
        } catch (ConditionalCheckFailedException taken) {
            return false;
        }
    }

    @Override
    public boolean replace(ScheduledRateDeck current, ScheduledRateDeck next) {
        Map<String, String> names = Map.of("#key", "key");
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":key", AttributeValue.fromS(current.object().key()));
        values.put(":eTag", AttributeValue.fromS(current.object().eTag()));
        String version = "attribute_not_exists(versionId)";
        if (current.object().versionId().isPresent()) {
            version = "versionId = :versionId";
            values.put(":versionId", AttributeValue.fromS(current.object().versionId().get()));
        }
        String condition = "#key = :key AND eTag = :eTag AND " + version;
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item(next)).conditionExpression(condition)
                    .expressionAttributeNames(names).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException changed) {
            return false;
        }
    }

    private static Map<String, AttributeValue> key(String carrierId, Instant effectiveFrom) {
        return Map.of("carrierId", AttributeValue.fromS(carrierId),
                "effectiveFrom", AttributeValue.fromS(ScheduledRateDeck.format(effectiveFrom)));
    }

    static Map<String, AttributeValue> item(ScheduledRateDeck deck) {
        Map<String, AttributeValue> item = new HashMap<>(key(deck.carrierId(), deck.effectiveFrom()));
        item.put("key", AttributeValue.fromS(deck.object().key()));
        deck.object().versionId().ifPresent(v -> item.put("versionId", AttributeValue.fromS(v)));
        item.put("eTag", AttributeValue.fromS(deck.object().eTag()));
        item.put("rates", AttributeValue.fromN(Integer.toString(deck.rates())));
        item.put("currency", AttributeValue.fromS(deck.currency().getCurrencyCode()));
        item.put("operator", AttributeValue.fromS(deck.operator()));
        deck.reason().ifPresent(r -> item.put("reason", AttributeValue.fromS(r)));
        item.put("createdAt", AttributeValue.fromS(ScheduledRateDeck.format(deck.createdAt())));
        return item;
    }

    static ScheduledRateDeck from(Map<String, AttributeValue> item) {
        return new ScheduledRateDeck(item.get("carrierId").s(), Instant.parse(item.get("effectiveFrom").s()),
                new RateDeckObject(item.get("key").s(), Optional.ofNullable(item.get("versionId")).map(AttributeValue::s),
                        item.get("eTag").s()),
                Integer.parseInt(item.get("rates").n()), Currency.getInstance(item.get("currency").s()),
                item.get("operator").s(), Optional.ofNullable(item.get("reason")).map(AttributeValue::s),
                Instant.parse(item.get("createdAt").s()));
    }
}
