package dev.calling.adapters.dynamodb;

import dev.calling.core.operator.PstnBlock;
import dev.calling.core.operator.PstnBlocks;
import dev.calling.core.privacy.PrivacySettings;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.core.routing.SubscriberDirectory;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The {@code subscribers} table: one item per user with the phone number they can be reached on
 * (E.164, optional), whether their plan includes calls to phone numbers, and the prefixes it bars,
 * all provisioned by the operator; and the user's own privacy settings ({@link #SILENCE_UNKNOWN_CALLERS}), which
 * the apps' API writes alone, one attribute at a time, so that routing reads them with the subscriber at no cost.
 * A user without an item is {@linkplain Subscriber#appOnly app-only}. A stored number that no
 * longer parses is refused loudly rather than dialled. An operator's PSTN block is one attribute,
 * {@link #PSTN_BLOCK} (a map: {@code reason}, {@code by}, {@code since}), which the operator API writes alone.
 */
public final class DynamoDbSubscriberDirectory implements SubscriberDirectory, PrivacySettings, PstnBlocks {

    /** The attribute of an operator's PSTN block: the only one the operator API may write. */
    public static final String PSTN_BLOCK = "pstnBlock";

    /** The attribute of the user's "silence unknown callers" setting: the only one the apps' API may write. */
    public static final String SILENCE_UNKNOWN_CALLERS = "silenceUnknownCallers";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbSubscriberDirectory(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public Subscriber subscriber(String userId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table)
                .key(Map.of("userId", AttributeValue.fromS(userId)))).item();
        if (item == null || item.isEmpty()) {
            return Subscriber.appOnly(userId);
        }
        Optional<PhoneNumber> number = Optional.ofNullable(item.get("phoneNumber")).map(AttributeValue::s)
                .map(PhoneNumber::parse);
        boolean pstn = Optional.ofNullable(item.get("pstnAllowed")).map(AttributeValue::bool).orElse(false);
        List<String> barred = Optional.ofNullable(item.get("barredPrefixes")).map(AttributeValue::ss).orElse(List.of());
        boolean highRisk = Optional.ofNullable(item.get("highRiskAllowed")).map(AttributeValue::bool).orElse(false);
        return new Subscriber(userId, number, new RoutingPlan(pstn, barred, highRisk, item.containsKey(PSTN_BLOCK)),
                silences(item));
    }

    @Override
    public Settings of(String userId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("userId", AttributeValue.fromS(userId)))
                .projectionExpression(SILENCE_UNKNOWN_CALLERS)).item();
        return new Settings(item != null && silences(item));
    }

    /** Sets the user's settings on their item (made if none: the user is app-only until provisioned otherwise). */
    @Override
    public void put(String userId, Settings settings) {
        dynamoDb.updateItem(r -> r.tableName(table).key(Map.of("userId", AttributeValue.fromS(userId)))
                .updateExpression("SET #silence = :silence")
                .expressionAttributeNames(Map.of("#silence", SILENCE_UNKNOWN_CALLERS))
                .expressionAttributeValues(Map.of(":silence", AttributeValue.fromBool(settings.silenceUnknownCallers()))));
    }

    @Override
    public void block(PstnBlock block) {
        Map<String, AttributeValue> value = Map.of("reason", AttributeValue.fromS(block.reason()),
                "by", AttributeValue.fromS(block.by()), "since", AttributeValue.fromS(block.since().toString()));
        dynamoDb.updateItem(r -> r.tableName(table).key(Map.of("userId", AttributeValue.fromS(block.userId())))
                .updateExpression("SET #block = :block")
                .expressionAttributeNames(Map.of("#block", PSTN_BLOCK))
                .expressionAttributeValues(Map.of(":block", AttributeValue.fromM(value))));
    }

    @Override
    public void unblock(String userId) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(Map.of("userId", AttributeValue.fromS(userId)))
                    .updateExpression("REMOVE #block")
                    .conditionExpression("attribute_exists(userId)") // an update would otherwise make an empty item
                    .expressionAttributeNames(Map.of("#block", PSTN_BLOCK)));
        } catch (ConditionalCheckFailedException noSubscriber) {
            // nothing to unblock
        }
    }

    @Override
    public Optional<PstnBlock> pstnBlock(String userId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("userId", AttributeValue.fromS(userId)))
                .projectionExpression("#block").expressionAttributeNames(Map.of("#block", PSTN_BLOCK))).item();
        if (item == null || !item.containsKey(PSTN_BLOCK)) {
            return Optional.empty();
        }
        Map<String, AttributeValue> block = item.get(PSTN_BLOCK).m();
        return Optional.of(new PstnBlock(userId, block.get("reason").s(), block.get("by").s(),
                Instant.parse(block.get("since").s())));
    }

    private static boolean silences(Map<String, AttributeValue> item) {
        return Optional.ofNullable(item.get(SILENCE_UNKNOWN_CALLERS)).map(AttributeValue::bool).orElse(false);
    }

    /** Stores a subscriber, the user's settings with it (provisioning, tests and the local run). */
    public void put(Subscriber subscriber) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("userId", AttributeValue.fromS(subscriber.userId()));
        subscriber.phoneNumber().ifPresent(n -> item.put("phoneNumber", AttributeValue.fromS(n.e164())));
        item.put("pstnAllowed", AttributeValue.fromBool(subscriber.plan().pstnAllowed()));
        if (!subscriber.plan().barredPrefixes().isEmpty()) {
            item.put("barredPrefixes", AttributeValue.fromSs(subscriber.plan().barredPrefixes()));
        }
        if (subscriber.plan().highRiskAllowed()) {
            item.put("highRiskAllowed", AttributeValue.fromBool(true)); // the allow-list for high-risk destinations
        }
        if (subscriber.plan().pstnBlocked()) { // provisioning keeps no who/why: the operator API's block does
            item.put(PSTN_BLOCK, AttributeValue.fromM(Map.of("reason", AttributeValue.fromS("provisioned"),
                    "by", AttributeValue.fromS("provisioning"), "since", AttributeValue.fromS(Instant.EPOCH.toString()))));
        }
        if (subscriber.silencesUnknownCallers()) {
            item.put(SILENCE_UNKNOWN_CALLERS, AttributeValue.fromBool(true));
        }
        dynamoDb.putItem(r -> r.tableName(table).item(item));
    }
}
