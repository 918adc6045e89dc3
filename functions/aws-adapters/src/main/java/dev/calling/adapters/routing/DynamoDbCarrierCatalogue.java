package dev.calling.adapters.routing;

import dev.calling.adapters.Resources;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.CarrierCatalogue;
import dev.calling.core.routing.CarrierStatus;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * The carrier catalogue of a deployment: the carriers' terms (id, kind, compiled rate deck,
 * capacity, enabled, quality) are fixed per deployment, their health and load live in the
 * {@code carrier-health} table (see {@link Resources#CARRIER_HEALTH}) so that every call state
 * manager container sees the same breaker. One item per carrier: the recent outcomes as a string
 * of one letter each (cheap to store and to rewrite), the breaker, the calls in progress and a
 * version for optimistic writes.
 *
 * <p>Routing a call reads all carriers with one {@code BatchGetItem}; an attempt start is one read
 * and one atomic count update, an attempt end one read and one conditional write (retried with
 * jittered back-off when another container wrote first). Health statistics are at-most-once (see
 * {@link CarrierCatalogue}); calls in progress can drift upwards by the reports lost that way,
 * which only makes the capacity guard more cautious.
 */
public final class DynamoDbCarrierCatalogue implements CarrierCatalogue {

    private static final System.Logger LOG = System.getLogger(DynamoDbCarrierCatalogue.class.getName());
    private static final int WRITE_ATTEMPTS = 10;
    private static final Map<AttemptOutcome, Character> CODES = new EnumMap<>(Map.of(
            AttemptOutcome.ANSWERED, 'A', AttemptOutcome.CALLEE_BUSY, 'B', AttemptOutcome.CALLEE_DECLINED, 'D',
            AttemptOutcome.CALLEE_UNAVAILABLE, 'U', AttemptOutcome.NO_ANSWER, 'N', AttemptOutcome.ABANDONED, 'X',
            AttemptOutcome.CARRIER_FAILURE, 'F'));
    private static final Map<Character, AttemptOutcome> OUTCOMES = new HashMap<>();

    static {
        CODES.forEach((outcome, code) -> OUTCOMES.put(code, outcome));
        if (OUTCOMES.size() != AttemptOutcome.values().length) {
            throw new ExceptionInInitializerError("every attempt outcome needs a code");
        }
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Map<String, Provider> providers = new LinkedHashMap<>();
    private final ProviderHealth.Policy policy;

    public DynamoDbCarrierCatalogue(DynamoDbClient dynamoDb, String table, List<Provider> carriers,
            ProviderHealth.Policy policy) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.policy = policy;
        carriers.forEach(p -> providers.put(p.id(), p));
    }

    @Override
    public List<CarrierStatus> carriers(Instant now) {
        if (providers.isEmpty()) {
            return List.of();
        }
        List<Map<String, AttributeValue>> keys = providers.keySet().stream().map(DynamoDbCarrierCatalogue::key).toList();
        Map<String, Map<String, AttributeValue>> items = new HashMap<>();
        Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
        while (!pending.isEmpty()) {
            Map<String, KeysAndAttributes> request = pending;
            var response = dynamoDb.batchGetItem(r -> r.requestItems(request));
            response.responses().getOrDefault(table, List.of()).forEach(item -> items.put(item.get("providerId").s(), item));
            pending = response.unprocessedKeys();
        }
        List<CarrierStatus> statuses = new ArrayList<>();
        for (Provider provider : providers.values()) {
            Stored stored = Stored.from(items.get(provider.id()), policy);
            statuses.add(new CarrierStatus(provider, stored.health(), stored.activeCalls()));
        }
        return statuses;
    }

    @Override
    public void attemptStarted(String providerId, Instant at) {
        if (!providers.containsKey(providerId)) {
            return;
        }
        Stored current = read(providerId);
        ProviderHealth started = current.health().attemptStarted(at);
        if (started == current.health() || !writeHealth(providerId, current, started, 1)) {
            addActiveCalls(providerId, 1); // the usual case: nothing but the count changes
        }
    }

    @Override
    public void attemptEnded(String providerId, AttemptOutcome outcome, Instant at) {
        if (!providers.containsKey(providerId)) {
            return;
        }
        for (int i = 0; i < WRITE_ATTEMPTS; i++) {
            Stored current = read(providerId);
            if (writeHealth(providerId, current, current.health().record(outcome, at), -1)) {
                return;
            }
            backOff(i);
        }
        LOG.log(System.Logger.Level.WARNING, "carrier {0}: health sample {1} dropped after {2} contended writes",
                providerId, outcome, WRITE_ATTEMPTS);
        addActiveCalls(providerId, -1);
    }

    /**
     * Sets each carrier's calls in progress to what was counted from the live calls ({@code live}; a
     * carrier not named has none), where the stored count differs: the count kept by increments drifts
     * when a start or end report is lost (a function that died after writing the call, a throttled
     * update), and a carrier at its capacity would silently leave routing. Returns the corrections made
     * (carrier to stored-minus-counted). A start or end reported while the count is being set is lost to
     * it, which the next recount corrects.
     */
    public static Map<String, Integer> recount(DynamoDbClient dynamoDb, String table, List<String> carrierIds,
            Map<String, Integer> live) {
        Map<String, Integer> corrections = new java.util.TreeMap<>();
        for (String providerId : carrierIds) {
            int counted = live.getOrDefault(providerId, 0);
            Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).key(key(providerId))
                    .consistentRead(true)).item();
            int stored = item == null || !item.containsKey("activeCalls") ? 0 : Integer.parseInt(item.get("activeCalls").n());
            if (stored != counted) {
                dynamoDb.updateItem(r -> r.tableName(table).key(key(providerId)).updateExpression("SET activeCalls = :n")
                        .expressionAttributeValues(Map.of(":n", AttributeValue.fromN(Integer.toString(counted)))));
                corrections.put(providerId, stored - counted);
            }
        }
        return corrections;
    }

    /** The stored health of one carrier. */
    public ProviderHealth health(String providerId) {
        return read(providerId).health();
    }

    /**
     * Writes a new health if nobody changed it since {@code current} was read, adding
     * {@code activeCallsDelta} in the same write. The count is kept by atomic {@code ADD} so that
     * starts, which rarely touch the health, never contend.
     */
    private boolean writeHealth(String providerId, Stored current, ProviderHealth next, int activeCallsDelta) {
        StringBuilder recent = new StringBuilder();
        next.recentOutcomes().forEach(o -> recent.append(CODES.get(o)));
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":recent", AttributeValue.fromS(recent.toString()));
        values.put(":breaker", AttributeValue.fromS(next.storedBreaker().name()));
        values.put(":opened", next.openedAt() == null ? AttributeValue.fromNul(true)
                : AttributeValue.fromN(Long.toString(next.openedAt().toEpochMilli())));
        values.put(":probe", AttributeValue.fromBool(next.probeInFlight()));
        values.put(":next", AttributeValue.fromN(Long.toString(current.version() + 1)));
        values.put(":delta", AttributeValue.fromN(Integer.toString(activeCallsDelta)));
        String condition = "attribute_not_exists(version)";
        if (current.version() > 0) {
            condition = "version = :version";
            values.put(":version", AttributeValue.fromN(Long.toString(current.version())));
        }
        String guard = condition;
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(providerId))
                    .updateExpression("SET recent = :recent, breaker = :breaker, openedAt = :opened, "
                            + "probeInFlight = :probe, version = :next ADD activeCalls :delta")
                    .conditionExpression(guard).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException concurrent) {
            return false; // another container changed this carrier
        }
    }

    private void addActiveCalls(String providerId, int delta) {
        dynamoDb.updateItem(r -> r.tableName(table).key(key(providerId)).updateExpression("ADD activeCalls :delta")
                .expressionAttributeValues(Map.of(":delta", AttributeValue.fromN(Integer.toString(delta)))));
    }

    private static void backOff(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1L << Math.min(attempt + 1, 7)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Stored read(String providerId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).key(key(providerId)).consistentRead(true))
                .item();
        return Stored.from(item == null || item.isEmpty() ? null : item, policy);
    }

    private static Map<String, AttributeValue> key(String providerId) {
        return Map.of("providerId", AttributeValue.fromS(providerId));
    }

    /** One carrier's item; an item that only has a count (or none) is a carrier never reported on. */
    private record Stored(ProviderHealth health, int activeCalls, long version) {

        static Stored from(Map<String, AttributeValue> item, ProviderHealth.Policy policy) {
            if (item == null) {
                return new Stored(ProviderHealth.fresh(policy), 0, 0);
            }
            int activeCalls = item.containsKey("activeCalls") ? Math.max(0, Integer.parseInt(item.get("activeCalls").n())) : 0;
            if (!item.containsKey("version")) {
                return new Stored(ProviderHealth.fresh(policy), activeCalls, 0);
            }
            List<AttemptOutcome> recent = new ArrayList<>();
            for (char code : item.get("recent").s().toCharArray()) {
                AttemptOutcome outcome = OUTCOMES.get(code);
                if (outcome == null) {
                    throw new IllegalStateException("unknown outcome code '" + code + "' for " + item.get("providerId").s());
                }
                recent.add(outcome);
            }
            AttributeValue openedAt = item.get("openedAt");
            ProviderHealth health = ProviderHealth.restore(policy, recent,
                    ProviderHealth.Breaker.valueOf(item.get("breaker").s()),
                    openedAt == null || openedAt.n() == null ? null : Instant.ofEpochMilli(Long.parseLong(openedAt.n())),
                    item.get("probeInFlight").bool());
            return new Stored(health, activeCalls, Long.parseLong(item.get("version").n()));
        }
    }
}
