package dev.calling.adapters.sweeper;

import dev.calling.adapters.Resources;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.routing.DynamoDbCarrierCatalogue;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.CallEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * The backstop behind every timer: run on a schedule, it reads the calls not yet closed out from the
 * calls table's sweep index and
 * <ul>
 *   <li>sends a {@link CallEvent.CallCheck} through the normal event path for each call whose
 *       {@code checkBy} passed more than {@code grace} ago (a ringing call past its ring timeout, a
 *       connected call past its cut-off, an ended call whose end commands were never all carried out):
 *       the call state manager then ends it, or settles and tears it down again; a check is idempotent;</li>
 *   <li>recounts the calls in progress of each carrier from the live PSTN calls, and sets the carrier's
 *       count to it, so a count that drifted (a start or end report lost) is right again within one run.</li>
 * </ul>
 * Its findings are returned, and logged as one line.
 */
public final class CallSweeper {

    private static final System.Logger LOG = System.getLogger(CallSweeper.class.getName());

    /** What one run found and did. */
    public record Findings(int overdue, int open, Map<String, Integer> carrierCalls, Map<String, Integer> carrierCorrections) {
        @Override
        public String toString() {
            return "sweep: " + overdue + " overdue call(s) checked, " + open + " open call(s), calls in progress by carrier "
                    + carrierCalls + ", corrections " + carrierCorrections;
        }
    }

    private final DynamoDbClient dynamoDb;
    private final String callsTable;
    private final SqsCallStateChanges callStateChanges;
    private final String carrierHealthTable;
    private final List<String> carrierIds;
    private final Duration grace;
    private final Clock clock;

    /**
     * @param carrierHealthTable the table of the carriers' health and calls in progress
     * @param carrierIds the carriers of the deployment
     * @param grace how long after its {@code checkBy} a call is left to its own timers
     */
    public CallSweeper(DynamoDbClient dynamoDb, String callsTable, SqsCallStateChanges callStateChanges,
            String carrierHealthTable, List<String> carrierIds, Duration grace, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.callsTable = callsTable;
        this.callStateChanges = callStateChanges;
        this.carrierHealthTable = carrierHealthTable;
        this.carrierIds = List.copyOf(carrierIds);
        this.grace = grace;
        this.clock = clock;
    }

    public Findings sweep() {
        Instant now = clock.instant();
        String dueBy = DynamoDbCallStore.sweepDue(now.minus(grace));
        List<String> open = new ArrayList<>();
        int overdue = 0;
        for (int shard = 0; shard < DynamoDbCallStore.SWEEP_SHARDS; shard++) {
            String partition = String.format("s%02d", shard);
            Map<String, AttributeValue> start = null;
            do {
                Map<String, AttributeValue> from = start;
                var page = dynamoDb.query(r -> r.tableName(callsTable).indexName(Resources.CALLS_SWEEP_INDEX)
                        .keyConditionExpression("sweepShard = :shard")
                        .expressionAttributeValues(Map.of(":shard", AttributeValue.fromS(partition)))
                        .exclusiveStartKey(from));
                for (Map<String, AttributeValue> item : page.items()) {
                    String callId = item.get("callId").s();
                    open.add(callId);
                    if (item.get("sweepDue").s().compareTo(dueBy) <= 0) {
                        callStateChanges.publish(CallEvent.CallCheck.sweep(callId, now));
                        overdue++;
                    }
                }
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            } while (start != null);
        }
        Map<String, Integer> carrierCalls = carrierCalls(open);
        Map<String, Integer> corrections = DynamoDbCarrierCatalogue.recount(dynamoDb, carrierHealthTable, carrierIds,
                carrierCalls);
        Findings findings = new Findings(overdue, open.size(), carrierCalls, corrections);
        LOG.log(overdue > 0 || !corrections.isEmpty() ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                findings::toString);
        return findings;
    }

    /** The live PSTN calls by the carrier of their current attempt. */
    private Map<String, Integer> carrierCalls(List<String> callIds) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < callIds.size(); i += 100) {
            List<Map<String, AttributeValue>> keys = callIds.subList(i, Math.min(callIds.size(), i + 100)).stream()
                    .map(id -> Map.of("callId", AttributeValue.fromS(id))).toList();
            Map<String, KeysAndAttributes> pending = Map.of(callsTable, KeysAndAttributes.builder().keys(keys)
                    .projectionExpression("callId, #state, #route, attempts")
                    .expressionAttributeNames(Map.of("#state", "state", "#route", "route")).build());
            while (!pending.isEmpty()) {
                Map<String, KeysAndAttributes> request = pending;
                var response = dynamoDb.batchGetItem(r -> r.requestItems(request));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(callsTable, List.of())) {
                    String state = item.get("state").s();
                    boolean live = state.equals("RINGING") || state.equals("CONNECTED");
                    if (live && item.containsKey("route") && item.get("route").s().equals("PSTN")) {
                        List<Attempt> attempts = Json.readAttempts(item.get("attempts").s());
                        if (!attempts.isEmpty()) {
                            counts.merge(attempts.get(attempts.size() - 1).providerId(), 1, Integer::sum);
                        }
                    }
                }
                pending = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
        }
        return counts;
    }

}
