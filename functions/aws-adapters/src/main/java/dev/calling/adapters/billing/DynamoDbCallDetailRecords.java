package dev.calling.adapters.billing;

import static dev.calling.adapters.dynamodb.Attributes.instant;
import static dev.calling.adapters.dynamodb.Attributes.n;
import static dev.calling.adapters.dynamodb.Attributes.putIfPresent;
import static dev.calling.adapters.dynamodb.Attributes.s;
import static dev.calling.adapters.dynamodb.Attributes.string;

import dev.calling.adapters.json.Json;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.charging.CallDetailRecords;
import dev.calling.core.money.Money;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Call detail records in the {@code call-detail-records} table, one item per call, written once (and
 * replaced only by a revision that bills less talk, see {@link #revise}).
 * The day's index ({@code endedDay-index}) is keyed on {@code <UTC day>#<shard>}, the shard being
 * CRC-32 of the call id mod {@value #SHARDS}, so one busy day spreads its writes over 16
 * partitions; its sort key {@code endedAtCallId} is the end time with a fixed nine-digit fraction
 * (so text order is time order) plus {@code #callId} (so ties are ordered too).
 */
public final class DynamoDbCallDetailRecords implements CallDetailRecords {

    public static final int SHARDS = 16;
    static final String DAY_INDEX = "endedDay-index";

    /** Fixed width, unlike {@link Instant#toString()}, so that string order is time order. */
    private static final DateTimeFormatter SORTABLE_INSTANT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbCallDetailRecords(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public void record(CallDetailRecord cdr) {
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(toItem(cdr)).conditionExpression("attribute_not_exists(callId)"));
        } catch (ConditionalCheckFailedException alreadyRecorded) {
            // A call is recorded once; a redelivered end of call leaves the first record as it is.
        }
    }

    /**
     * One conditional put: the revised record replaces one with more talk (its day index key moves with its
     * end), or stands for a record not written yet (the first record's own put then changes nothing).
     */
    @Override
    public void revise(CallDetailRecord revised) {
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(toItem(revised))
                    .conditionExpression("attribute_not_exists(callId) OR talkSeconds > :talk")
                    .expressionAttributeValues(Map.of(":talk", n(revised.talkSeconds()))));
        } catch (ConditionalCheckFailedException asShortAlready) {
            // revised before (a redelivered revision), or already as short
        }
    }

    /**
     * Streams the day's records shard by shard (0 to 15), each shard in {@code endedAtCallId} order,
     * one query page at a time: the same stored records always come out in the same order. Reads the
     * index, so a record written in the last moments before the call may not be visible yet
     * (GSIs are eventually consistent).
     */
    @Override
    public void forEachEndedOn(LocalDate day, Consumer<CallDetailRecord> sink) {
        for (int shard = 0; shard < SHARDS; shard++) {
            String partition = dayShard(day, shard);
            dynamoDb.queryPaginator(r -> r.tableName(table).indexName(DAY_INDEX)
                            .keyConditionExpression("endedDayShard = :p")
                            .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(partition))))
                    .items()
                    .forEach(item -> sink.accept(fromItem(item)));
        }
    }

    /** The shard of a call: CRC-32 of its id's UTF-8 bytes mod 16, the same in any language. */
    static int shardOf(String callId) {
        CRC32 crc = new CRC32();
        crc.update(callId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % SHARDS);
    }

    static String dayShard(LocalDate day, int shard) {
        return day + "#" + (shard < 10 ? "0" : "") + shard;
    }

    static Map<String, AttributeValue> toItem(CallDetailRecord cdr) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("callId", s(cdr.callId()));
        item.put("callerUserId", s(cdr.callerUserId()));
        item.put("callee", s(cdr.callee()));
        putIfPresent(item, "dialledNumber", cdr.dialledNumber());
        putIfPresent(item, "route", cdr.route() == null ? null : cdr.route().name());
        putIfPresent(item, "providerId", cdr.providerId());
        item.put("attempts", s(Json.writeAttempts(cdr.attempts())));
        item.put("requestedAt", s(cdr.requestedAt().toString()));
        putIfPresent(item, "answeredAt", cdr.answeredAt() == null ? null : cdr.answeredAt().toString());
        item.put("endedAt", s(cdr.endedAt().toString()));
        item.put("endReason", s(cdr.endReason().name()));
        item.put("talkSeconds", n(cdr.talkSeconds()));
        item.put("billableSeconds", n(cdr.billableSeconds()));
        item.put("retailMicros", n(cdr.retail().micros()));
        item.put("retailCurrency", s(cdr.retail().currency().getCurrencyCode()));
        item.put("carrierCostMicros", n(cdr.carrierCost().micros()));
        item.put("carrierCostCurrency", s(cdr.carrierCost().currency().getCurrencyCode()));
        LocalDate endedDay = LocalDate.ofInstant(cdr.endedAt(), ZoneOffset.UTC);
        item.put("endedDayShard", s(dayShard(endedDay, shardOf(cdr.callId()))));
        item.put("endedAtCallId", s(SORTABLE_INSTANT.format(cdr.endedAt()) + "#" + cdr.callId()));
        return item;
    }

    static CallDetailRecord fromItem(Map<String, AttributeValue> item) {
        String route = string(item, "route");
        return new CallDetailRecord(
                string(item, "callId"),
                string(item, "callerUserId"),
                string(item, "callee"),
                string(item, "dialledNumber"),
                route == null ? null : RouteKind.valueOf(route),
                string(item, "providerId"),
                Json.readAttempts(string(item, "attempts")),
                instant(item, "requestedAt"),
                instant(item, "answeredAt"),
                instant(item, "endedAt"),
                EndReason.valueOf(string(item, "endReason")),
                number(item, "talkSeconds"),
                number(item, "billableSeconds"),
                new Money(number(item, "retailMicros"), Currency.getInstance(string(item, "retailCurrency"))),
                new Money(number(item, "carrierCostMicros"), Currency.getInstance(string(item, "carrierCostCurrency"))));
    }

    private static long number(Map<String, AttributeValue> item, String name) {
        return Long.parseLong(item.get(name).n());
    }
}
