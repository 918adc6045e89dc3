package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.routing.DynamoDbCarrierCatalogue;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.CarrierStatus;
import dev.calling.core.routing.Destination;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.ProviderRouting;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.Route;
import dev.calling.core.routing.RoutingPlan;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A carrier's calls in progress spread over load shards ({@code <providerId>#load#<k>}) beside its
 * health item, against dynalite: starts and ends land on several items, routing and the capacity
 * guard see their sum, and the sweeper's recount sets the sum right across shards and a legacy count
 * on the health item.
 */
class CarrierLoadShardsTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final String TABLE = Resources.CARRIER_HEALTH.name();
    static final Rate RATE = new Rate("44", Money.of("0.01", "USD"), Money.of("0", "USD"), BillingIncrement.PER_SECOND,
            LocalDate.of(2026, 1, 1));
    static final ProviderHealth.Policy POLICY = new ProviderHealth.Policy(100, 50, 0.5, Duration.ofSeconds(30));
    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    static Provider carrier(String id, int maxConcurrentCalls) {
        return new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of(RATE)), maxConcurrentCalls, true, 50);
    }

    static DynamoDbCarrierCatalogue catalogue(Provider... carriers) {
        return new DynamoDbCarrierCatalogue(dynamoDb, TABLE, List.of(carriers), POLICY);
    }

    static CarrierStatus status(DynamoDbCarrierCatalogue catalogue, String id) {
        return catalogue.carriers(T0).stream().filter(c -> c.provider().id().equals(id)).findFirst().orElseThrow();
    }

    static Map<String, AttributeValue> item(String key) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(TABLE).consistentRead(true)
                .key(Map.of("providerId", AttributeValue.fromS(key)))).item();
        return item == null || item.isEmpty() ? null : item;
    }

    /** Each load shard's stored count, 0 for a shard never written. */
    static List<Long> shards(String providerId) {
        List<Long> shards = new ArrayList<>();
        for (int k = 0; k < DynamoDbCarrierCatalogue.LOAD_SHARDS; k++) {
            Map<String, AttributeValue> item = item(DynamoDbCarrierCatalogue.loadKey(providerId, k));
            shards.add(item == null ? 0 : Long.parseLong(item.get("activeCalls").n()));
        }
        return shards;
    }

    static void put(String key, long activeCalls) {
        dynamoDb.putItem(r -> r.tableName(TABLE).item(Map.of("providerId", AttributeValue.fromS(key),
                "activeCalls", AttributeValue.fromN(Long.toString(activeCalls)))));
    }

    @Test
    void startsAndEndsLandOnLoadShardsNotOnTheHealthItemAndRoutingSeesTheirSum() {
        DynamoDbCarrierCatalogue catalogue = catalogue(carrier("load-a", 100));
        for (int i = 0; i < 40; i++) {
            catalogue.attemptStarted("load-a", T0);
        }
        for (int i = 0; i < 15; i++) {
            catalogue.attemptEnded("load-a", AttemptOutcome.ANSWERED, T0);
        }

        Map<String, AttributeValue> health = item("load-a");
        assertThat(health).as("the health item holds the health only").doesNotContainKey("activeCalls");
        assertThat(health.get("recent").s()).hasSize(15);
        assertThat(health.get("version").n()).isEqualTo("15");
        List<Long> shards = shards("load-a");
        // 55 writes on a shard picked at random each: on one shard only with a chance of 8^-54.
        assertThat(shards.stream().filter(n -> n != 0).count()).as("shards written " + shards).isGreaterThan(1);
        assertThat(shards.stream().mapToLong(Long::longValue).sum()).isEqualTo(25);
        assertThat(status(catalogue, "load-a").activeCalls()).isEqualTo(25);
        assertThat(DynamoDbCarrierCatalogue.storedActiveCalls(dynamoDb, TABLE, List.of("load-a")))
                .isEqualTo(Map.of("load-a", 25L));
    }

    @Test
    void aLegacyCountOnTheHealthItemIsPartOfTheSumAndANegativeSumIsNoCallsForRouting() {
        put("load-legacy", 4); // counted before the shards, or by a container still on that code
        put(DynamoDbCarrierCatalogue.loadKey("load-legacy", 5), 3);
        put(DynamoDbCarrierCatalogue.loadKey("load-negative", 2), -3);
        DynamoDbCarrierCatalogue catalogue = catalogue(carrier("load-legacy", 100), carrier("load-negative", 100));

        catalogue.attemptStarted("load-legacy", T0);

        assertThat(status(catalogue, "load-legacy").activeCalls()).isEqualTo(8);
        assertThat(status(catalogue, "load-negative").activeCalls()).isZero();
        assertThat(DynamoDbCarrierCatalogue.storedActiveCalls(dynamoDb, TABLE, List.of("load-legacy", "load-negative")))
                .containsEntry("load-legacy", 8L).containsEntry("load-negative", -3L);
    }

    @Test
    void aCarrierAtItsCapacityByTheSumOfItsShardsIsLeftOutOfRouting() {
        DynamoDbCarrierCatalogue catalogue = catalogue(carrier("load-full", 3), carrier("load-spare", 3));
        RoutingPlan plan = RoutingPlan.withPstn(List.of());
        Destination dialled = new Destination.Dialled(PhoneNumber.parse("+447400123456"));
        for (int i = 0; i < 3; i++) {
            catalogue.attemptStarted("load-full", T0);
        }

        assertThat(status(catalogue, "load-full").activeCalls()).isEqualTo(3);
        Route full = new ProviderRouting().route(dialled, List.of(), plan, catalogue.carriers(T0), T0);
        assertThat(full).isInstanceOf(Route.Pstn.class);
        assertThat(((Route.Pstn) full).providers()).extracting(Route.ProviderOption::providerId)
                .containsExactly("load-spare");

        catalogue.attemptEnded("load-full", AttemptOutcome.NO_ANSWER, T0);
        Route again = new ProviderRouting().route(dialled, List.of(), plan, catalogue.carriers(T0), T0);
        assertThat(((Route.Pstn) again).providers()).extracting(Route.ProviderOption::providerId)
                .containsExactlyInAnyOrder("load-full", "load-spare");
    }

    @Test
    void aRecountSetsTheShardsToTheCountedCallsAndFoldsInTheLegacyCount() {
        put("load-drift", 5);
        put(DynamoDbCarrierCatalogue.loadKey("load-drift", 3), 4);
        put(DynamoDbCarrierCatalogue.loadKey("load-drift", 6), -2);
        put("load-moved", 3); // right, but on the health item
        put(DynamoDbCarrierCatalogue.loadKey("load-right", 0), 1);
        put(DynamoDbCarrierCatalogue.loadKey("load-right", 7), 1);
        List<String> carriers = List.of("load-drift", "load-moved", "load-right", "load-none");

        Map<String, Integer> corrections = DynamoDbCarrierCatalogue.recount(dynamoDb, TABLE, carriers,
                Map.of("load-drift", 2, "load-moved", 3, "load-right", 2));

        assertThat(corrections).as("stored minus counted").isEqualTo(Map.of("load-drift", 5));
        assertThat(shards("load-drift")).containsExactly(2L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
        assertThat(item("load-drift").get("activeCalls").n()).isEqualTo("0");
        assertThat(shards("load-moved")).containsExactly(3L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
        assertThat(item("load-moved").get("activeCalls").n()).isEqualTo("0");
        assertThat(shards("load-right")).as("a right sum is left as it is").containsExactly(1L, 0L, 0L, 0L, 0L, 0L, 0L, 1L);
        assertThat(item("load-none")).isNull();
        assertThat(DynamoDbCarrierCatalogue.storedActiveCalls(dynamoDb, TABLE, carriers)).isEqualTo(
                Map.of("load-drift", 2L, "load-moved", 3L, "load-right", 2L, "load-none", 0L));

        assertThat(DynamoDbCarrierCatalogue.recount(dynamoDb, TABLE, carriers,
                Map.of("load-drift", 2, "load-moved", 3, "load-right", 2))).as("nothing left to correct").isEmpty();
    }

    @Test
    void aStartOrEndAfterTheRecountReadIsKept() {
        // The recount adds differences (ADD), so a report landing on a shard it resets is not overwritten.
        put(DynamoDbCarrierCatalogue.loadKey("load-race", 4), 6);
        DynamoDbCarrierCatalogue catalogue = catalogue(carrier("load-race", 100));
        DynamoDbCarrierCatalogue.recount(dynamoDb, TABLE, List.of("load-race"), Map.of("load-race", 1));
        catalogue.attemptStarted("load-race", T0);

        assertThat(status(catalogue, "load-race").activeCalls()).isEqualTo(2);
    }

    @Test
    void manyCarriersAreReadInBatchesOfAHundredKeys() {
        // 15 carriers of 9 items each: 135 keys, more than one BatchGetItem may ask for.
        Provider[] carriers = IntStream.range(0, 15).mapToObj(i -> carrier("load-many-" + i, 10)).toArray(Provider[]::new);
        DynamoDbCarrierCatalogue catalogue = catalogue(carriers);
        catalogue.attemptStarted("load-many-0", T0);
        catalogue.attemptStarted("load-many-14", T0);
        catalogue.attemptStarted("load-many-14", T0);

        List<CarrierStatus> statuses = catalogue.carriers(T0);

        assertThat(statuses).hasSize(15);
        assertThat(statuses.get(0).activeCalls()).isEqualTo(1);
        assertThat(statuses.get(14).activeCalls()).isEqualTo(2);
        assertThat(statuses.subList(1, 14)).allMatch(s -> s.activeCalls() == 0);
    }
}
