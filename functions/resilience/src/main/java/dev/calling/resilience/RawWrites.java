package dev.calling.resilience;

import dev.calling.adapters.Resources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Raw dynalite conditional-write throughput, the yardstick of the overhead ratio: {@code threads}
 * threads each create an item with {@code attribute_not_exists(callId)} and then replace it with
 * {@code version = :v}, as the call state manager writes a call record, in the {@code calls} table
 * (with its two keys-only indexes), the item being a copy of a real call record of the run. Nothing
 * else: no reads, no queues.
 */
final class RawWrites {

    record Result(int threads, double writesPerSecond, int itemBytes, long conflicts) {}

    private RawWrites() {}

    static Result measure(DynamoDbClient dynamoDb, int threads, Duration duration,
            String sampleCallId) throws InterruptedException {
        String table = Resources.CALLS.name();
        Map<String, AttributeValue> sample = sampleCallId == null ? Map.of()
                : dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                        .key(Map.of("callId", AttributeValue.fromS(sampleCallId)))).item();
        Map<String, AttributeValue> template = new HashMap<>(sample == null ? Map.of() : sample);
        template.putIfAbsent("state", AttributeValue.fromS("RINGING"));
        int bytes = template.entrySet().stream()
                .mapToInt(e -> e.getKey().length() + (e.getValue().s() != null ? e.getValue().s().length() : 16)).sum();
        LongAdder writes = new LongAdder();
        LongAdder conflicts = new LongAdder();
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                while (System.nanoTime() < end) {
                    String id = "raw-" + UUID.randomUUID();
                    Map<String, AttributeValue> item = new HashMap<>(template);
                    item.put("callId", AttributeValue.fromS(id));
                    item.put("listKey", AttributeValue.fromS(String.format("%013d#%s", System.currentTimeMillis(), id)));
                    item.put("version", AttributeValue.fromN("1"));
                    try {
                        dynamoDb.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(callId)"));
                        writes.increment();
                        item.put("version", AttributeValue.fromN("2"));
                        dynamoDb.putItem(r -> r.tableName(table).item(item).conditionExpression("version = :v")
                                .expressionAttributeValues(Map.of(":v", AttributeValue.fromN("1"))));
                        writes.increment();
                    } catch (ConditionalCheckFailedException e) {
                        conflicts.increment();
                    }
                }
            }, "raw-writes-" + t);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        return new Result(threads, writes.sum() / (duration.toNanos() / 1e9), bytes, conflicts.sum());
    }
}
