package dev.calling.adapters.dynamodb;

import static dev.calling.adapters.dynamodb.Attributes.instant;
import static dev.calling.adapters.dynamodb.Attributes.n;
import static dev.calling.adapters.dynamodb.Attributes.number;
import static dev.calling.adapters.dynamodb.Attributes.putIfPresent;
import static dev.calling.adapters.dynamodb.Attributes.s;
import static dev.calling.adapters.dynamodb.Attributes.string;

import dev.calling.adapters.json.Json;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallState;
import dev.calling.core.call.CallStore;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Call records in the {@code calls} table, one item per call. Scalars are top-level attributes
 * (readable in the console, usable in conditions and future indexes); the attempts, the timeline,
 * the waiting switch reports and the outbox are JSON strings. Every write is a PutItem guarded by
 * {@code attribute_not_exists(callId)} (create) or {@code version = :expected} (update).
 *
 * <p>Until a call is closed out, it is listed in the sparse, keys-only {@code sweep-index}: partition
 * {@code sweepShard} (one of {@link #SWEEP_SHARDS}, from the call id, so no partition is hot), sort
 * {@code sweepDue} (its {@link Call#checkBy()} in epoch millis, 13 digits). The sweeper reads each
 * shard up to "now"; closing out removes both attributes, which removes the call from the index.
 */
public final class DynamoDbCallStore implements CallStore {

    /** How many partitions the sweep index spreads calls over. */
    public static final int SWEEP_SHARDS = 16;

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbCallStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public Optional<Call> find(String callId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("callId", s(callId)))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public boolean create(Call call) {
        return put(call, "attribute_not_exists(callId)", Map.of());
    }

    @Override
    public boolean update(Call call, long expectedVersion) {
        return put(call, "version = :expected", Map.of(":expected", n(expectedVersion)));
    }

    @Override
    public void closeOut(String callId) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(Map.of("callId", s(callId)))
                    .updateExpression("REMOVE sweepShard, sweepDue").conditionExpression("attribute_exists(callId)"));
        } catch (ConditionalCheckFailedException gone) {
            // nothing to close out
        }
    }

    /** The sweep index's partition of a call. */
    public static String sweepShard(String callId) {
        return sweepShard(Math.floorMod(callId.hashCode(), SWEEP_SHARDS));
    }

    /** The name of sweep shard {@code shard} (0 to {@link #SWEEP_SHARDS} − 1), as the sweeper queries it. */
    public static String sweepShard(int shard) {
        return String.format(Locale.ROOT, "s%02d", shard);
    }

    /** The sweep index's sort key for a time. */
    public static String sweepDue(java.time.Instant at) {
        return String.format("%013d", at.toEpochMilli());
    }

    private boolean put(Call call, String condition, Map<String, AttributeValue> values) {
        try {
            dynamoDb.putItem(r -> {
                r.tableName(table).item(toItem(call)).conditionExpression(condition);
                if (!values.isEmpty()) {
                    r.expressionAttributeValues(values);
                }
            });
            return true;
        } catch (ConditionalCheckFailedException lostRace) {
            return false;
        }
    }

    static Map<String, AttributeValue> toItem(Call call) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("callId", s(call.callId()));
        item.put("callerUserId", s(call.callerUserId()));
        item.put("callerConnectionId", s(call.callerConnectionId()));
        putIfPresent(item, "calleeUserId", call.calleeUserId());
        putIfPresent(item, "dialledNumber", call.dialledNumber());
        if (call.route() != null) {
            item.put("route", s(call.route().name()));
        }
        item.put("state", s(call.state().name()));
        if (call.endReason() != null) {
            item.put("endReason", s(call.endReason().name()));
        }
        item.put("ringingConnectionIds", AttributeValue.fromL(call.ringingConnectionIds().stream().map(Attributes::s).toList()));
        if (!call.pushedDeviceIds().isEmpty()) {
            item.put("pushedDeviceIds", AttributeValue.fromL(call.pushedDeviceIds().stream().map(Attributes::s).toList()));
        }
        putIfPresent(item, "calleeConnectionId", call.calleeConnectionId());
        item.put("failoverProviders", AttributeValue.fromL(call.failoverProviders().stream().map(Attributes::s).toList()));
        if (!call.carrierRates().isEmpty()) {
            item.put("carrierRates", s(Json.writeProviderOptions(call.carrierRates())));
        }
        if (call.charging() != null) {
            item.put("charging", s(Json.write(call.charging())));
        }
        item.put("attempts", s(Json.writeAttempts(call.attempts())));
        putIfPresent(item, "requestedAt", call.requestedAt());
        item.put("listKey", s(listKey(call)));
        putIfPresent(item, "answeredAt", call.answeredAt());
        putIfPresent(item, "endedAt", call.endedAt());
        item.put("lastSwitchSequence", n(call.lastSwitchSequence()));
        item.put("deferred", s(Json.writeEvents(call.deferred())));
        item.put("timeline", s(Json.writeTimeline(call.timeline())));
        putIfPresent(item, "lastEventId", call.lastEventId());
        item.put("outbox", s(Json.writeCommands(call.outbox())));
        if (!call.earlier().isEmpty()) {
            item.put("earlier", s(Json.writeHandlings(call.earlier())));
        }
        putIfPresent(item, "checkBy", call.checkBy());
        if (call.checkBy() != null) {
            item.put("sweepShard", s(sweepShard(call.callId())));
            item.put("sweepDue", s(sweepDue(call.checkBy())));
        }
        item.put("version", n(call.version()));
        if (call.screening() != Call.Screening.NONE) {
            item.put("screening", s(call.screening().name()));
        }
        return item;
    }

    /**
     * The sort key of the {@code caller-index} and {@code callee-index}: newest first when read
     * backwards, unique, and unchanged after creation so that the keys-only indexes are written once.
     */
    static String listKey(Call call) {
        return String.format("%013d#%s", call.requestedAt().toEpochMilli(), call.callId());
    }

    private static List<String> strings(Map<String, AttributeValue> item, String name) {
        return item.get(name).l().stream().map(AttributeValue::s).toList();
    }

    static Call fromItem(Map<String, AttributeValue> item) {
        String endReason = string(item, "endReason");
        String route = string(item, "route");
        return new Call(
                string(item, "callId"),
                string(item, "callerUserId"),
                string(item, "callerConnectionId"),
                string(item, "calleeUserId"),
                string(item, "dialledNumber"),
                route == null ? null : RouteKind.valueOf(route),
                CallState.valueOf(string(item, "state")),
                endReason == null ? null : EndReason.valueOf(endReason),
                strings(item, "ringingConnectionIds"),
                item.containsKey("pushedDeviceIds") ? strings(item, "pushedDeviceIds") : List.of(),
                string(item, "calleeConnectionId"),
                strings(item, "failoverProviders"),
                item.containsKey("carrierRates") ? Json.readProviderOptions(string(item, "carrierRates")) : List.of(),
                item.containsKey("charging") ? Json.readCharging(string(item, "charging")) : null,
                Json.readAttempts(string(item, "attempts")),
                instant(item, "requestedAt"),
                instant(item, "answeredAt"),
                instant(item, "endedAt"),
                number(item, "lastSwitchSequence"),
                Json.readEvents(string(item, "deferred")),
                Json.readTimeline(string(item, "timeline")),
                string(item, "lastEventId"),
                Json.readCommands(string(item, "outbox")),
                item.containsKey("earlier") ? Json.readHandlings(string(item, "earlier")) : List.of(),
                instant(item, "checkBy"),
                number(item, "version"),
                item.containsKey("screening") ? Call.Screening.valueOf(string(item, "screening")) : Call.Screening.NONE);
    }
}
