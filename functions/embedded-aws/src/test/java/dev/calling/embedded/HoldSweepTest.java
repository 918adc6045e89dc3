package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.adapters.sweeper.CallSweeper;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.LedgerEntry.Kind;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Money held for calls that never came to be (the request dead-lettered for good after its
 * reservation, before its call record was written), against dynalite and ElasticMQ: the sweeper
 * finds old holds through the accounts table's holds index and releases those whose call has no
 * record, once; a recent hold and a hold whose call exists are left.
 */
class HoldSweepTest {

    static final Currency USD = Currency.getInstance("USD");
    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final Duration MAX_HOLD_AGE = Duration.ofHours(5);
    static final Rate RATE = new Rate("44", Money.of("0.01", "USD"), Money.of("0", "USD"), BillingIncrement.PER_SECOND,
            LocalDate.of(2026, 1, 1));
    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static DynamoDbAccounts accounts;
    static DynamoDbCallStore calls;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        accounts = new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name());
        calls = new DynamoDbCallStore(dynamoDb, Resources.CALLS.name());
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    static Money usd(String amount) {
        return Money.of(amount, "USD");
    }

    static CallSweeper sweeperAt(Instant now) {
        return new CallSweeper(dynamoDb, Resources.CALLS.name(),
                new SqsCallStateChanges(aws.clients().sqs(), aws.queueUrl(Resources.CALL_STATE_CHANGES)),
                Resources.CARRIER_HEALTH.name(), List.of(), Resources.ACCOUNTS.name(), Duration.ofMinutes(2), MAX_HOLD_AGE,
                Clock.fixed(now, ZoneOffset.UTC));
    }

    static void createCall(String callId, String caller, Instant at) {
        Route route = new Route.Pstn(PhoneNumber.parse("+447400123456"), List.of(new Route.ProviderOption("alpha", RATE)));
        Call call = new CallStateMachine(Duration.ofSeconds(45)).start(new CallRequested("r-" + callId, callId, at, caller,
                caller + "-1", null, "+447400123456"), List.of(caller + "-1"), route).call();
        assertThat(calls.create(call)).isTrue();
    }

    static Map<String, AttributeValue> accountItem(String user) {
        return dynamoDb.getItem(r -> r.tableName(Resources.ACCOUNTS.name()).consistentRead(true)
                .key(Map.of("userId", AttributeValue.fromS(user), "entryKey", AttributeValue.fromS("ACCOUNT")))).item();
    }

    static long releaseLines(String user, String callId) {
        return accounts.ledger(user).stream().filter(e -> e.kind() == Kind.RELEASE && e.reference().equals(callId)).count();
    }

    @Test
    void anOldHoldWhoseCallNeverExistedIsReleasedOnceARecentOneAndOneOfAnExistingCallAreLeft() {
        accounts.topUp("hs-ann", "t1", usd("10.00"), T0.minusSeconds(60));
        accounts.reserve("hs-ann", "hs-never", usd("4.00"), usd("0.10"), T0); // its request died after this
        accounts.topUp("hs-ben", "t1", usd("10.00"), T0.minusSeconds(60));
        accounts.reserve("hs-ben", "hs-exists", usd("3.00"), usd("0.10"), T0);
        createCall("hs-exists", "hs-ben", T0); // a call that lives (or ended): its own business
        accounts.reserve("hs-ben", "hs-recent", usd("2.00"), usd("0.10"), T0.plus(Duration.ofHours(2)));
        Instant now = T0.plus(Duration.ofHours(6)); // hs-never and hs-exists are 6 h old, hs-recent 4 h

        CallSweeper.Findings first = sweeperAt(now).sweep();

        assertThat(first.releasedHolds()).containsExactly("hs-never");
        assertThat(first.oldHolds()).isEqualTo(2);
        assertThat(first.oldHoldsOfCalls()).isEqualTo(1);
        assertThat(first.holdFailures()).isZero();
        assertThat(first.toString()).contains("hs-never");
        var ann = accounts.account("hs-ann", USD);
        assertThat(ann.balance()).as("nothing charged").isEqualTo(usd("10.00"));
        assertThat(ann.reserved()).isEqualTo(usd("0"));
        assertThat(releaseLines("hs-ann", "hs-never")).isEqualTo(1);
        LedgerEntry release = accounts.ledger("hs-ann").get(accounts.ledger("hs-ann").size() - 1);
        assertThat(release.amount()).isEqualTo(usd("4.00"));
        assertThat(release.at()).isEqualTo(now);
        assertThat(accountItem("hs-ann")).as("out of the holds index").doesNotContainKeys("holdShard", "oldestHold");
        var ben = accounts.account("hs-ben", USD);
        assertThat(ben.reserved()).isEqualTo(usd("5.00"));
        assertThat(ben.balance()).isEqualTo(usd("10.00"));

        CallSweeper.Findings second = sweeperAt(now.plusSeconds(300)).sweep();

        assertThat(second.releasedHolds()).isEmpty();
        assertThat(second.oldHoldsOfCalls()).isEqualTo(1);
        assertThat(releaseLines("hs-ann", "hs-never")).as("released once").isEqualTo(1);
        assertThat(accounts.account("hs-ann", USD).reserved()).isEqualTo(usd("0"));
        assertThat(accounts.account("hs-ben", USD).reserved()).isEqualTo(usd("5.00"));
    }

    @Test
    void theHoldsIndexFollowsTheOldestHoldOfAnAccount() {
        accounts.topUp("hs-cat", "t1", usd("10.00"), T0);
        Instant first = T0.plus(Duration.ofDays(1));
        Instant second = first.plus(Duration.ofHours(1));
        accounts.reserve("hs-cat", "hs-cat-1", usd("1.00"), usd("0.10"), first);
        accounts.reserve("hs-cat", "hs-cat-2", usd("1.00"), usd("0.10"), second);
        Map<String, AttributeValue> both = accountItem("hs-cat");
        assertThat(both.get("oldestHold").s()).isEqualTo(String.format("%013d", first.toEpochMilli()));
        assertThat(both.get("holdShard").s()).matches("h[0-9]{2}");
        assertThat(both.get("holdTimes").m()).containsOnlyKeys("hs-cat-1", "hs-cat-2");

        assertThat(accounts.settle("hs-cat", "hs-cat-1", usd("0.50"), second.plusSeconds(60))).isTrue();
        Map<String, AttributeValue> one = accountItem("hs-cat");
        assertThat(one.get("oldestHold").s()).isEqualTo(String.format("%013d", second.toEpochMilli()));
        assertThat(one.get("holdTimes").m()).containsOnlyKeys("hs-cat-2");
        assertThat(accounts.holdsOlderThan(second.minusMillis(1))).extracting(DynamoDbAccounts.HeldFor::callId)
                .doesNotContain("hs-cat-1", "hs-cat-2");
        assertThat(accounts.holdsOlderThan(second)).filteredOn(h -> h.userId().equals("hs-cat"))
                .containsExactly(new DynamoDbAccounts.HeldFor("hs-cat", "hs-cat-2", usd("1.00"), second));

        assertThat(accounts.release("hs-cat", "hs-cat-2", second.plusSeconds(120))).isTrue();
        assertThat(accountItem("hs-cat")).doesNotContainKeys("holdShard", "oldestHold");
        assertThat(accountItem("hs-cat").get("holdTimes").m()).isEmpty();
    }

    @Test
    void aHoldMadeBeforeHoldTimesWereKeptGetsTheTimeOfTheAccountsNextWrite() {
        // An ACCOUNT item as written before hold times: a hold, no holdTimes, not in the holds index.
        long held = usd("2.00").micros();
        dynamoDb.putItem(r -> r.tableName(Resources.ACCOUNTS.name()).item(Map.of(
                "userId", AttributeValue.fromS("hs-dan"), "entryKey", AttributeValue.fromS("ACCOUNT"),
                "balance", AttributeValue.fromN(Long.toString(usd("5.00").micros())),
                "reserved", AttributeValue.fromN(Long.toString(held)), "currency", AttributeValue.fromS("USD"),
                "version", AttributeValue.fromN("2"),
                "holds", AttributeValue.fromM(Map.of("hs-dan-old", AttributeValue.fromN(Long.toString(held)))))));
        Instant later = T0.plus(Duration.ofDays(2));
        assertThat(accounts.holdsOlderThan(later)).extracting(DynamoDbAccounts.HeldFor::userId).doesNotContain("hs-dan");

        accounts.topUp("hs-dan", "t2", usd("1.00"), later);

        Map<String, AttributeValue> item = accountItem("hs-dan");
        assertThat(item.get("holdTimes").m()).containsOnlyKeys("hs-dan-old");
        assertThat(item.get("holdTimes").m().get("hs-dan-old").n()).isEqualTo(Long.toString(later.toEpochMilli()));
        assertThat(item.get("oldestHold").s()).isEqualTo(String.format("%013d", later.toEpochMilli()));
        assertThat(accounts.holdsOlderThan(later)).extracting(DynamoDbAccounts.HeldFor::callId).contains("hs-dan-old");
    }
}
