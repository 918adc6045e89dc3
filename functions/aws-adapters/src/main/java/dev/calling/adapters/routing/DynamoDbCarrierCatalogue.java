package dev.calling.adapters.routing;

import dev.calling.adapters.Resources;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.CarrierCatalogue;
import dev.calling.core.routing.CarrierStatus;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.RateDeckSchedule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 * manager container sees the same breaker. Per carrier:
 * <ul>
 *   <li>{@code <providerId>}, the health item: the recent outcomes as a string of one letter each
 *       (cheap to store and to rewrite), the breaker and a version for optimistic writes. Written
 *       once per attempt end (and when a start claims the half-open probe);</li>
 *   <li>{@code <providerId>#load#<k>}, {@code k} in {@code 0..}{@value #LOAD_SHARDS}{@code -1}, the
 *       load shards: {@code activeCalls} only, changed by an atomic {@code ADD} (+1 at an attempt's
 *       start, -1 at its end) on a shard picked at random, so the writes of a busy carrier spread
 *       over {@value #LOAD_SHARDS} partition keys instead of one (DynamoDB allows about 1,000 WCU/s per
 *       key). A start and its end usually land on different shards: one shard alone means nothing
 *       and may be negative, only the sum is the calls in progress.</li>
 * </ul>
 * The calls in progress are the sum of {@code activeCalls} over all of a carrier's items: the load
 * shards and a legacy {@code activeCalls} on the health item (where the count was kept before it was
 * sharded, and where a container still on that code adds to it), which {@link #recount} folds into
 * the shards.
 *
 * <p>Routing a call reads all carriers, health and load shards, with one {@code BatchGetItem}
 * (per 100 keys), eventually consistent: a count may miss the starts and ends of the last moment
 * and a breaker may be seen a moment late (a replica is usually behind by well under a second);
 * the capacity guard is a bound on what we bought, not an exact one, and an attempt at a carrier
 * whose breaker has just opened fails over. Every health write reads the health item strongly
 * consistently, so the stored breaker is never built on a stale one. An attempt start is one
 * read of the health item and one {@code ADD} to a load shard; an attempt end one {@code ADD} to a
 * load shard, one read and one conditional write of the health item (retried with jittered back-off
 * when another container wrote first). Health statistics are at-most-once (see
 * {@link CarrierCatalogue}); calls in progress can drift by the reports lost that way (upwards,
 * which only makes the capacity guard more cautious), until the sweeper's {@link #recount}.
 */
public final class DynamoDbCarrierCatalogue implements CarrierCatalogue {

    /** How many load shards a carrier's calls in progress are spread over. */
    public static final int LOAD_SHARDS = 8;
    private static final String LOAD_INFIX = "#load#";
    /** Routing's read; see the class comment. True would double its read cost (1 RCU per item instead of 0.5). */
    private static final boolean ROUTING_READS_CONSISTENT = false;
    private static final int BATCH_GET_LIMIT = 100;
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
    private final RateDeckSchedule scheduledDecks;

    public DynamoDbCarrierCatalogue(DynamoDbClient dynamoDb, String table, List<Provider> carriers,
            ProviderHealth.Policy policy) {
        this(dynamoDb, table, carriers, policy, RateDeckSchedule.NONE);
    }

    /**
     * @param scheduledDecks the cost decks operators scheduled: a carrier with one in effect is priced by it instead
     *     of its packaged {@link Provider#costDeck()}
     */
    public DynamoDbCarrierCatalogue(DynamoDbClient dynamoDb, String table, List<Provider> carriers,
            ProviderHealth.Policy policy, RateDeckSchedule scheduledDecks) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.policy = policy;
        this.scheduledDecks = scheduledDecks;
        carriers.forEach(p -> providers.put(p.id(), p));
    }

    /** The key of load shard {@code shard} of a carrier. */
    public static String loadKey(String providerId, int shard) {
        return providerId + LOAD_INFIX + shard;
    }

    @Override
    public List<CarrierStatus> carriers(Instant now) {
        if (providers.isEmpty()) {
            return List.of();
        }
        Map<String, Map<String, AttributeValue>> items = readAll(dynamoDb, table, providers.keySet(),
                ROUTING_READS_CONSISTENT);
        List<CarrierStatus> statuses = new ArrayList<>();
        for (Provider provider : providers.values()) {
            Stored stored = Stored.from(items.get(provider.id()), policy);
            long load = Load.of(items, provider.id()).sum();
            Provider priced = scheduledDecks.inEffect(provider.id(), now).map(provider::withCostDeck).orElse(provider);
            statuses.add(new CarrierStatus(priced, stored.health(), (int) Math.max(0, Math.min(Integer.MAX_VALUE, load))));
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
        if (started != current.health()) {
            writeHealth(providerId, current, started); // a start that claims the probe; lost to a concurrent writer
        }
        addLoad(dynamoDb, table, loadKey(providerId, randomShard()), 1);
    }

    @Override
    public void attemptEnded(String providerId, AttemptOutcome outcome, Instant at) {
        if (!providers.containsKey(providerId)) {
            return;
        }
        // First, so that the capacity is free at once, whatever the contention on the health item.
        addLoad(dynamoDb, table, loadKey(providerId, randomShard()), -1);
        for (int i = 0; i < WRITE_ATTEMPTS; i++) {
            Stored current = read(providerId);
            if (writeHealth(providerId, current, current.health().record(outcome, at))) {
                return;
            }
            backOff(i);
        }
        LOG.log(System.Logger.Level.WARNING, "carrier {0}: health sample {1} dropped after {2} contended writes",
                providerId, outcome, WRITE_ATTEMPTS);
    }

    /**
     * The stored calls in progress of each carrier: the sum of {@code activeCalls} over its health item
     * and its load shards, read strongly consistently and raw (a sum below 0 shows; routing reads it
     * as 0). For checks and audits, which should not know the layout.
     */
    public static Map<String, Long> storedActiveCalls(DynamoDbClient dynamoDb, String table, List<String> carrierIds) {
        Map<String, Map<String, AttributeValue>> items = readAll(dynamoDb, table, carrierIds, true);
        Map<String, Long> sums = new java.util.TreeMap<>();
        carrierIds.forEach(id -> sums.put(id, Load.of(items, id).sum()));
        return sums;
    }

    /**
     * Sets each carrier's calls in progress to what was counted from the live calls ({@code live}; a
     * carrier not named has none), where the stored sum differs: the count kept by increments drifts
     * when a start or end report is lost (a function that died after writing the call, a throttled
     * update), and a carrier at its capacity would silently leave routing. Returns the corrections made
     * (carrier to stored-minus-counted).
     *
     * <p>A carrier that is corrected (or has a legacy count on its health item) gets the count on shard 0
     * and 0 on the other shards and on the health item's legacy {@code activeCalls}: each item whose
     * value differs gets an {@code ADD} of the difference from what was read (one strongly consistent
     * {@code BatchGetItem} per 11 carriers, then at most {@value #LOAD_SHARDS}+1 updates for a corrected
     * carrier, none for a right one). By {@code ADD}, not {@code SET}, so a start or end reported between
     * the read and the write is kept (the shards then sum to the count plus it, as they should; a
     * conditional {@code SET} would instead fail on a busy carrier's shards again and again). Two races
     * remain, both corrected by the next recount: a start or end reported between the sweep's count of
     * the live calls and this read is lost (the count does not know it, the stored sum is replaced), and
     * two recounts running at once (a duplicate scheduled invocation) both add the same differences.
     */
    public static Map<String, Integer> recount(DynamoDbClient dynamoDb, String table, List<String> carrierIds,
            Map<String, Integer> live) {
        Map<String, Map<String, AttributeValue>> items = readAll(dynamoDb, table, carrierIds, true);
        Map<String, Integer> corrections = new java.util.TreeMap<>();
        for (String providerId : new LinkedHashSet<>(carrierIds)) {
            int counted = live.getOrDefault(providerId, 0);
            Load load = Load.of(items, providerId);
            long stored = load.sum();
            if (stored == counted && load.legacy() == 0) {
                continue;
            }
            if (load.legacy() != 0) {
                addLoad(dynamoDb, table, providerId, -load.legacy());
            }
            for (int shard = 0; shard < LOAD_SHARDS; shard++) {
                long target = shard == 0 ? counted : 0;
                long delta = target - load.shards()[shard];
                if (delta != 0) {
                    addLoad(dynamoDb, table, loadKey(providerId, shard), delta);
                }
            }
            if (stored != counted) {
                corrections.put(providerId, (int) (stored - counted));
            }
        }
        return corrections;
    }

    /** The stored health of one carrier. */
    public ProviderHealth health(String providerId) {
        return read(providerId).health();
    }

    /** Writes a new health if nobody changed it since {@code current} was read. */
    private boolean writeHealth(String providerId, Stored current, ProviderHealth next) {
        StringBuilder recent = new StringBuilder();
        next.recentOutcomes().forEach(o -> recent.append(CODES.get(o)));
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":recent", AttributeValue.fromS(recent.toString()));
        values.put(":breaker", AttributeValue.fromS(next.storedBreaker().name()));
        values.put(":opened", next.openedAt() == null ? AttributeValue.fromNul(true)
                : AttributeValue.fromN(Long.toString(next.openedAt().toEpochMilli())));
        values.put(":probe", AttributeValue.fromBool(next.probeInFlight()));
        values.put(":next", AttributeValue.fromN(Long.toString(current.version() + 1)));
        String condition = "attribute_not_exists(version)";
        if (current.version() > 0) {
            condition = "version = :version";
            values.put(":version", AttributeValue.fromN(Long.toString(current.version())));
        }
        String guard = condition;
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(providerId))
                    .updateExpression("SET recent = :recent, breaker = :breaker, openedAt = :opened, "
                            + "probeInFlight = :probe, version = :next")
                    .conditionExpression(guard).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException concurrent) {
            return false; // another container changed this carrier
        }
    }

    /** An atomic {@code ADD} to the {@code activeCalls} of one item: needs no read, never contends. */
    private static void addLoad(DynamoDbClient dynamoDb, String table, String itemKey, long delta) {
        dynamoDb.updateItem(r -> r.tableName(table).key(key(itemKey)).updateExpression("ADD activeCalls :delta")
                .expressionAttributeValues(Map.of(":delta", AttributeValue.fromN(Long.toString(delta)))));
    }

    private static int randomShard() {
        return ThreadLocalRandom.current().nextInt(LOAD_SHARDS);
    }

    /**
     * The health item and load shards of every carrier named, by key, with {@code BatchGetItem}s of at
     * most 100 keys; keys left unprocessed (throttling, response size) are asked again after a back-off.
     */
    private static Map<String, Map<String, AttributeValue>> readAll(DynamoDbClient dynamoDb, String table,
            Collection<String> providerIds, boolean consistent) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        for (String providerId : new LinkedHashSet<>(providerIds)) { // a key asked twice fails the request
            keys.add(key(providerId));
            for (int shard = 0; shard < LOAD_SHARDS; shard++) {
                keys.add(key(loadKey(providerId, shard)));
            }
        }
        Map<String, Map<String, AttributeValue>> items = new HashMap<>();
        for (int from = 0; from < keys.size(); from += BATCH_GET_LIMIT) {
            List<Map<String, AttributeValue>> chunk = keys.subList(from, Math.min(keys.size(), from + BATCH_GET_LIMIT));
            Map<String, KeysAndAttributes> pending = Map.of(table,
                    KeysAndAttributes.builder().keys(chunk).consistentRead(consistent).build());
            for (int round = 0; !pending.isEmpty(); round++) {
                if (round > 0) {
                    backOff(round - 1);
                }
                Map<String, KeysAndAttributes> request = pending;
                var response = dynamoDb.batchGetItem(r -> r.requestItems(request));
                response.responses().getOrDefault(table, List.of())
                        .forEach(item -> items.put(item.get("providerId").s(), item));
                pending = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
        }
        return items;
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

    /**
     * One carrier's calls in progress as stored: the legacy count on its health item and each load
     * shard's (0 for an item not there).
     */
    private record Load(long legacy, long[] shards) {

        static Load of(Map<String, Map<String, AttributeValue>> items, String providerId) {
            long[] shards = new long[LOAD_SHARDS];
            for (int shard = 0; shard < LOAD_SHARDS; shard++) {
                shards[shard] = activeCalls(items.get(loadKey(providerId, shard)));
            }
            return new Load(activeCalls(items.get(providerId)), shards);
        }

        long sum() {
            long sum = legacy;
            for (long shard : shards) {
                sum += shard;
            }
            return sum;
        }

        private static long activeCalls(Map<String, AttributeValue> item) {
            AttributeValue n = item == null ? null : item.get("activeCalls");
            return n == null || n.n() == null ? 0 : Long.parseLong(n.n());
        }
    }

    /** One carrier's health item; an item that only has a legacy count (or none) is a carrier never reported on. */
    private record Stored(ProviderHealth health, long version) {

        static Stored from(Map<String, AttributeValue> item, ProviderHealth.Policy policy) {
            if (item == null || !item.containsKey("version")) {
                return new Stored(ProviderHealth.fresh(policy), 0);
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
            return new Stored(health, Long.parseLong(item.get("version").n()));
        }
    }
}
