package dev.calling.resilience;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * An SDK interceptor on the functions' DynamoDB and SQS clients that counts what AWS would bill:
 * every API call by service, operation and table or queue; DynamoDB capacity units as the embedded
 * DynamoDB reports them (it asks for {@code ReturnConsumedCapacity=TOTAL} on every item operation);
 * SQS receives that returned messages apart from empty polls; the type of every command sent to
 * the switch-commands queue (VoIP switch commands versus PSTN carrier commands).
 *
 * <p>No function writes transactionally any more (the accounts moved to single-item conditional
 * writes; dynalite has no TransactWriteItems). Should one come back: DynamoDB Local reported a
 * transactional write at four write units per KB where AWS documents two, so transactional units
 * reported are halved when counted.
 */
public final class RequestCounter implements ExecutionInterceptor {

    /** One counted line: e.g. {@code DynamoDB PutItem calls}. */
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> attempts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final Map<String, DoubleAdder> capacity = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> sqs = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> commands = new ConcurrentHashMap<>();

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        if (request instanceof PutItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        } else if (request instanceof GetItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        } else if (request instanceof QueryRequest r) {
            return r.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        } else if (request instanceof UpdateItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        } else if (request instanceof DeleteItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        } else if (request instanceof TransactWriteItemsRequest r) {
            return r.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        } else if (request instanceof software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        }
        return request;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        add(attempts, key(context.request(), attributes));
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        String key = key(context.request(), attributes);
        add(calls, key);
        SdkResponse response = context.response();
        SdkRequest request = context.request();
        if (response instanceof software.amazon.awssdk.services.dynamodb.model.PutItemResponse r) {
            capacity(key, r.consumedCapacity(), false);
        } else if (response instanceof software.amazon.awssdk.services.dynamodb.model.GetItemResponse r) {
            capacity(key, r.consumedCapacity(), false);
        } else if (response instanceof software.amazon.awssdk.services.dynamodb.model.QueryResponse r) {
            capacity(key, r.consumedCapacity(), false);
        } else if (response instanceof software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse r) {
            capacity(key, r.consumedCapacity(), false);
        } else if (response instanceof software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse r) {
            capacity(key, r.consumedCapacity(), false);
        } else if (response instanceof software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse r) {
            if (r.hasConsumedCapacity()) {
                r.consumedCapacity().forEach(c -> capacity(key, c, false));
            }
        } else if (response instanceof software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse r) {
            if (r.hasConsumedCapacity()) {
                r.consumedCapacity().forEach(c -> capacity(key, c, true));
            }
        } else if (response instanceof ReceiveMessageResponse r) {
            add(sqs, key + (r.messages().isEmpty() ? " empty" : " with messages"));
            sqs.computeIfAbsent(key + " messages", k -> new LongAdder()).add(r.messages().size());
        }
        if (request instanceof SendMessageRequest send && send.queueUrl().endsWith("switch-commands.fifo")) {
            add(commands, commandType(send.messageBody()));
        }
        if (request instanceof SendMessageRequest send) {
            // SQS bills a request per started 64 KB of payload.
            sqs.computeIfAbsent(key + " 64KB-chunks", k -> new LongAdder())
                    .add(Math.max(1, (send.messageBody().length() + 65_535) / 65_536));
        }
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        Throwable e = context.exception();
        String key = key(context.request(), attributes);
        if (e instanceof ConditionalCheckFailedException) {
            add(failures, key + " ConditionalCheckFailed");
        } else if (e instanceof TransactionCanceledException cancelled) {
            boolean conditional = cancelled.hasCancellationReasons() && cancelled.cancellationReasons().stream()
                    .anyMatch(r -> "ConditionalCheckFailed".equals(r.code()));
            add(failures, key + (conditional ? " ConditionalCheckFailed" : " TransactionCanceled"));
        } else {
            add(failures, key + " " + e.getClass().getSimpleName());
        }
    }

    private void capacity(String key, ConsumedCapacity consumed, boolean transactional) {
        if (consumed == null || consumed.capacityUnits() == null) {
            return;
        }
        double units = consumed.capacityUnits() / (transactional ? 2 : 1);
        capacity.computeIfAbsent(key, k -> new DoubleAdder()).add(units);
    }

    static String commandType(String body) {
        int at = body.indexOf("\"type\":\"");
        if (at < 0) {
            return "unknown";
        }
        int start = at + 8;
        int end = body.indexOf('"', start);
        return end < 0 ? "unknown" : body.substring(start, end);
    }

    private static String key(SdkRequest request, ExecutionAttributes attributes) {
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        return service + " " + operation + " " + target(request);
    }

    /** The table or queue a request is about (transactions: "tx"). */
    static String target(SdkRequest request) {
        if (request instanceof PutItemRequest r) {
            return r.tableName();
        } else if (request instanceof GetItemRequest r) {
            return r.tableName();
        } else if (request instanceof QueryRequest r) {
            return r.tableName();
        } else if (request instanceof UpdateItemRequest r) {
            return r.tableName();
        } else if (request instanceof DeleteItemRequest r) {
            return r.tableName();
        } else if (request instanceof TransactWriteItemsRequest r) {
            return r.transactItems().isEmpty() ? "tx" : tableOf(r.transactItems().get(0));
        } else if (request instanceof software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest r) {
            return String.join("+", new java.util.TreeSet<>(r.requestItems().keySet()));
        } else if (request instanceof SendMessageRequest r) {
            return queueName(r.queueUrl());
        } else if (request instanceof ReceiveMessageRequest r) {
            return queueName(r.queueUrl());
        } else if (request instanceof DeleteMessageBatchRequest r) {
            return queueName(r.queueUrl());
        } else if (request instanceof DeleteMessageRequest r) {
            return queueName(r.queueUrl());
        }
        return "-";
    }

    private static String tableOf(software.amazon.awssdk.services.dynamodb.model.TransactWriteItem item) {
        if (item.update() != null) {
            return item.update().tableName();
        } else if (item.put() != null) {
            return item.put().tableName();
        } else if (item.conditionCheck() != null) {
            return item.conditionCheck().tableName();
        } else if (item.delete() != null) {
            return item.delete().tableName();
        }
        return "tx";
    }

    static String queueName(String url) {
        return url == null ? "-" : url.substring(url.lastIndexOf('/') + 1);
    }

    private static void add(Map<String, LongAdder> map, String key) {
        map.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** What was counted so far (copies). */
    public Snapshot snapshot() {
        return new Snapshot(longs(calls), longs(attempts), longs(failures), doubles(capacity), longs(sqs), longs(commands));
    }

    private static Map<String, Long> longs(Map<String, LongAdder> map) {
        Map<String, Long> copy = new TreeMap<>();
        map.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }

    private static Map<String, Double> doubles(Map<String, DoubleAdder> map) {
        Map<String, Double> copy = new TreeMap<>();
        map.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }

    /**
     * Counts at one moment; keys are {@code "<service> <operation> <table or queue>"}.
     *
     * @param calls API calls that succeeded
     * @param attempts HTTP attempts sent (retries included)
     * @param failures API calls that failed, by exception ({@code ... ConditionalCheckFailed} ...)
     * @param capacityUnits DynamoDB capacity units consumed (read units for reads, write units for writes)
     * @param sqs receives with / without messages, messages received, 64 KB chunks sent
     * @param commands commands sent to the switch-commands queue by type
     */
    public record Snapshot(Map<String, Long> calls, Map<String, Long> attempts, Map<String, Long> failures,
            Map<String, Double> capacityUnits, Map<String, Long> sqs, Map<String, Long> commands) {

        /** This minus an earlier snapshot. */
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(diff(calls, earlier.calls), diff(attempts, earlier.attempts),
                    diff(failures, earlier.failures), diffD(capacityUnits, earlier.capacityUnits),
                    diff(sqs, earlier.sqs), diff(commands, earlier.commands));
        }

        private static Map<String, Long> diff(Map<String, Long> now, Map<String, Long> before) {
            Map<String, Long> d = new TreeMap<>();
            now.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
            return d;
        }

        private static Map<String, Double> diffD(Map<String, Double> now, Map<String, Double> before) {
            Map<String, Double> d = new TreeMap<>();
            now.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0.0)));
            return d;
        }

        public long failuresMatching(String suffix) {
            return failures.entrySet().stream().filter(e -> e.getKey().endsWith(suffix)).mapToLong(Map.Entry::getValue)
                    .sum();
        }
    }
}
