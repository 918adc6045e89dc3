package dev.calling.adapters.sweeper;

import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.routing.DynamoDbCarrierCatalogue;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallStateMachine;
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
 *       count to it, so a count that drifted (a start or end report lost) is right again within one run;</li>
 *   <li>releases money held for calls that never came to be: a hold made more than {@code maxHoldAge}
 *       ago (found through the accounts table's holds index, see {@link DynamoDbAccounts#holdsOlderThan})
 *       whose call has no record in the calls table, as when the call's request was dead-lettered for good
 *       after its reservation and before its record was written. Released with
 *       {@link DynamoDbAccounts#release}, which is exactly once (a second sweep finds no hold). A hold whose
 *       call exists is left to the call: the checks above end and settle it.</li>
 * </ul>
 * Its findings are returned, and logged as one line.
 *
 * <p>{@code maxHoldAge} must be longer than any call can hold money: a call's reservation lives from
 * its request to its settlement, at most the ring timeout plus the longest call plus the time its end
 * takes, so the default is {@link CallStateMachine.Timing#LONGEST_CALL} plus an hour. A request redriven
 * from its dead-letter queue later than that, whose hold was released meanwhile, finds its reservation
 * marker: it is answered the amount reserved the first time though nothing is held any more, and its
 * settlement then finds no hold and charges nothing (see DynamoDbAccounts#reserve).
 */
public final class CallSweeper {

    private static final System.Logger LOG = System.getLogger(CallSweeper.class.getName());

    /** The default {@code maxHoldAge}: the longest call, and an hour. */
    public static final Duration MAX_HOLD_AGE = CallStateMachine.Timing.LONGEST_CALL.plusHours(1);

    /**
     * What one run found and did.
     *
     * @param oldHolds the holds older than {@code maxHoldAge} found
     * @param oldHoldsOfCalls those of them whose call exists (left to the call)
     * @param releasedHolds the call ids whose hold this run released (their call never came to be)
     * @param holdFailures holds whose release failed (contention on the account, a throttled read); the next
     *     run tries again
     */
    public record Findings(int overdue, int open, Map<String, Integer> carrierCalls, Map<String, Integer> carrierCorrections,
            int oldHolds, int oldHoldsOfCalls, List<String> releasedHolds, int holdFailures) {

        public Findings {
            releasedHolds = List.copyOf(releasedHolds);
        }

        @Override
        public String toString() {
            return "sweep: " + overdue + " overdue call(s) checked, " + open + " open call(s), calls in progress by carrier "
                    + carrierCalls + ", corrections " + carrierCorrections + ", " + oldHolds + " old hold(s): "
                    + oldHoldsOfCalls + " of existing calls left, " + releasedHolds.size()
                    + " of calls never created released " + releasedHolds + ", " + holdFailures + " failed";
        }
    }

    private final DynamoDbClient dynamoDb;
    private final String callsTable;
    private final SqsCallStateChanges callStateChanges;
    private final String carrierHealthTable;
    private final List<String> carrierIds;
    private final DynamoDbAccounts accounts;
    private final Duration grace;
    private final Duration maxHoldAge;
    private final Clock clock;

    /**
     * @param carrierHealthTable the table of the carriers' health and calls in progress
     * @param carrierIds the carriers of the deployment
     * @param accountsTable the prepaid accounts, whose old holds are looked at
     * @param grace how long after its {@code checkBy} a call is left to its own timers
     * @param maxHoldAge how old a hold must be to be released when its call has no record: longer than any
     *     call can hold money (see the class comment)
     */
    public CallSweeper(DynamoDbClient dynamoDb, String callsTable, SqsCallStateChanges callStateChanges,
            String carrierHealthTable, List<String> carrierIds, String accountsTable, Duration grace,
            Duration maxHoldAge, Clock clock) {
        if (maxHoldAge.isNegative() || maxHoldAge.isZero()) {
            throw new IllegalArgumentException("maxHoldAge must be positive: " + maxHoldAge);
        }
        this.dynamoDb = dynamoDb;
        this.callsTable = callsTable;
        this.callStateChanges = callStateChanges;
        this.carrierHealthTable = carrierHealthTable;
        this.carrierIds = List.copyOf(carrierIds);
        this.accounts = new DynamoDbAccounts(dynamoDb, accountsTable);
        this.grace = grace;
        this.maxHoldAge = maxHoldAge;
        this.clock = clock;
    }

    public Findings sweep() {
        Instant now = clock.instant();
        String dueBy = DynamoDbCallStore.sweepDue(now.minus(grace));
        List<String> open = new ArrayList<>();
        int overdue = 0;
        for (int shard = 0; shard < DynamoDbCallStore.SWEEP_SHARDS; shard++) {
            String partition = DynamoDbCallStore.sweepShard(shard);
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
        HoldSweep holds = releaseHoldsOfCallsNeverCreated(now);
        Findings findings = new Findings(overdue, open.size(), carrierCalls, corrections, holds.old(), holds.ofCalls(),
                holds.released(), holds.failures());
        boolean acted = overdue > 0 || !corrections.isEmpty() || !holds.released().isEmpty() || holds.failures() > 0;
        LOG.log(acted ? System.Logger.Level.WARNING : System.Logger.Level.INFO, findings::toString);
        return findings;
    }

    private record HoldSweep(int old, int ofCalls, List<String> released, int failures) {}

    /**
     * Releases each hold older than {@code maxHoldAge} whose call has no record. A failure of the index
     * query fails the sweep (after its checks and recount); a failed release is counted and left to
     * the next run.
     */
    private HoldSweep releaseHoldsOfCallsNeverCreated(Instant now) {
        List<DynamoDbAccounts.HeldFor> old = accounts.holdsOlderThan(now.minus(maxHoldAge));
        int ofCalls = 0;
        int failures = 0;
        List<String> released = new ArrayList<>();
        for (DynamoDbAccounts.HeldFor hold : old) {
            try {
                if (callExists(hold.callId())) {
                    ofCalls++; // the call's business: the checks settle it
                } else if (accounts.release(hold.userId(), hold.callId(), now)) {
                    released.add(hold.callId());
                    LOG.log(System.Logger.Level.WARNING, "released {0} held since {1} for call {2}, which was never created",
                            hold.amount(), hold.since(), hold.callId());
                }
            } catch (RuntimeException e) {
                failures++;
                LOG.log(System.Logger.Level.WARNING, "could not release the hold of call " + hold.callId()
                        + "; the next sweep tries again", e);
            }
        }
        return new HoldSweep(old.size(), ofCalls, released, failures);
    }

    private boolean callExists(String callId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(callsTable).consistentRead(true)
                .key(Map.of("callId", AttributeValue.fromS(callId))).projectionExpression("callId")).item();
        return item != null && !item.isEmpty();
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
