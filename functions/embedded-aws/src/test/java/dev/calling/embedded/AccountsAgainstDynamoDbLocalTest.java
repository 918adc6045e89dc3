package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.LedgerEntry.Kind;
import dev.calling.core.money.Money;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@link DynamoDbAccounts} against DynamoDB Local: every operation is idempotent on its reference,
 * atomic (account and ledger move together), and concurrent writers never spend money twice.
 * Each test uses its own user, so the tests share one table without seeing each other.
 */
class AccountsAgainstDynamoDbLocalTest {

    static final Currency USD = Currency.getInstance("USD");
    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final int THREADS = 8;

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static DynamoDbAccounts accounts;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        accounts = new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name());
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        aws.close();
    }

    static Money usd(String amount) {
        return Money.of(amount, USD);
    }

    static Instant t(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void unknownUserHasAZeroAccountAndAnEmptyLedger() {
        assertThat(accounts.account("nobody", USD)).isEqualTo(new Account("nobody", usd("0"), usd("0")));
        assertThat(accounts.ledger("nobody")).isEmpty();
    }

    @Test
    void topUpIsRecordedOncePerTopUpId() {
        Account first = accounts.topUp("top", "t1", usd("5.00"), t(1));
        Account repeated = accounts.topUp("top", "t1", usd("5.00"), t(2));
        Account second = accounts.topUp("top", "t2", usd("2.50"), t(3));

        assertThat(first).isEqualTo(new Account("top", usd("5.00"), usd("0")));
        assertThat(repeated).as("duplicate changes nothing").isEqualTo(first);
        assertThat(second.balance()).isEqualTo(usd("7.50"));
        assertThat(accounts.account("top", USD).balance()).isEqualTo(usd("7.50"));
        assertThat(accounts.ledger("top")).extracting(LedgerEntry::kind, LedgerEntry::reference, LedgerEntry::amount,
                        LedgerEntry::balanceAfter, LedgerEntry::at)
                .containsExactly(
                        tuple(Kind.TOP_UP, "t1", usd("5.00"), usd("5.00"), t(1)),
                        tuple(Kind.TOP_UP, "t2", usd("2.50"), usd("7.50"), t(3)));
    }

    @Test
    void topUpIdReusedForAnotherAmountIsRefusedNotSwallowed() {
        accounts.topUp("top-clash", "t1", usd("5.00"), t(1));

        assertThatThrownBy(() -> accounts.topUp("top-clash", "t1", usd("7.00"), t(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5.00 USD");
        assertThat(accounts.account("top-clash", USD).balance()).isEqualTo(usd("5.00"));
        assertThat(accounts.ledger("top-clash")).hasSize(1);
    }

    @Test
    void nonPositiveTopUpIsRefused() {
        assertThatThrownBy(() -> accounts.topUp("top-zero", "t1", usd("0"), t(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> accounts.topUp("top-zero", "t2", usd("-1"), t(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(accounts.ledger("top-zero")).isEmpty();
    }

    @Test
    void reserveTakesWantedOrAllThatIsAvailableIfLess() {
        accounts.topUp("res", "t1", usd("3.00"), t(1));

        assertThat(accounts.reserve("res", "c1", usd("2.00"), usd("0.50"), t(2))).contains(usd("2.00"));
        assertThat(accounts.reserve("res", "c2", usd("2.00"), usd("0.50"), t(3))).as("only 1.00 left").contains(usd("1.00"));

        assertThat(accounts.account("res", USD)).isEqualTo(new Account("res", usd("3.00"), usd("3.00")));
        assertThat(accounts.account("res", USD).available()).isEqualTo(usd("0"));
        assertThat(accounts.ledger("res")).extracting(LedgerEntry::kind, LedgerEntry::reference, LedgerEntry::amount,
                        LedgerEntry::balanceAfter, LedgerEntry::reservedAfter)
                .containsExactly(
                        tuple(Kind.TOP_UP, "t1", usd("3.00"), usd("3.00"), usd("0")),
                        tuple(Kind.RESERVATION, "c1", usd("2.00"), usd("3.00"), usd("2.00")),
                        tuple(Kind.RESERVATION, "c2", usd("1.00"), usd("3.00"), usd("3.00")));
    }

    @Test
    void reserveBelowMinimumIsRefusedAndWritesNothing() {
        accounts.topUp("poor", "t1", usd("0.40"), t(1));
        Account before = accounts.account("poor", USD);

        assertThat(accounts.reserve("poor", "c1", usd("2.00"), usd("0.50"), t(2))).isEmpty();
        assertThat(accounts.reserve("never-topped-up", "c1", usd("2.00"), usd("0.50"), t(2))).isEmpty();

        assertThat(accounts.account("poor", USD)).isEqualTo(before);
        assertThat(accounts.ledger("poor")).extracting(LedgerEntry::kind).containsExactly(Kind.TOP_UP);
        assertThat(accounts.ledger("never-topped-up")).isEmpty();
        // No reservation marker was left behind: once there is money, the same call can reserve.
        accounts.topUp("poor", "t2", usd("1.00"), t(3));
        assertThat(accounts.reserve("poor", "c1", usd("2.00"), usd("0.50"), t(4))).contains(usd("1.40"));
    }

    @Test
    void reserveRefusesAMinimumAboveWantedOrNegativeAmounts() {
        accounts.topUp("odd", "t1", usd("5.00"), t(1));

        assertThatThrownBy(() -> accounts.reserve("odd", "c1", usd("1.00"), usd("2.00"), t(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> accounts.reserve("odd", "c1", usd("-1.00"), usd("-2.00"), t(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(accounts.ledger("odd")).hasSize(1);
    }

    @Test
    void reservingAgainForTheSameCallReturnsTheFirstReservationWhateverIsAsked() {
        accounts.topUp("again", "t1", usd("10.00"), t(1));
        assertThat(accounts.reserve("again", "c1", usd("2.00"), usd("0.50"), t(2))).contains(usd("2.00"));

        assertThat(accounts.reserve("again", "c1", usd("2.00"), usd("0.50"), t(3))).contains(usd("2.00"));
        assertThat(accounts.reserve("again", "c1", usd("9.00"), usd("0.50"), t(4))).contains(usd("2.00"));

        assertThat(accounts.account("again", USD).reserved()).isEqualTo(usd("2.00"));
        assertThat(accounts.ledger("again")).extracting(LedgerEntry::kind).containsExactly(Kind.TOP_UP, Kind.RESERVATION);
    }

    @Test
    void concurrentReservesOfDifferentCallsNeverReserveMoreThanTheBalance() throws Exception {
        accounts.topUp("busy", "t1", usd("10.70"), t(1));
        int callsPerThread = 3; // 24 calls wanting 1.00 each from 10.70

        List<Callable<List<Optional<Money>>>> workers = new ArrayList<>();
        for (int thread = 0; thread < THREADS; thread++) {
            int id = thread;
            workers.add(() -> {
                List<Optional<Money>> got = new ArrayList<>();
                for (int call = 0; call < callsPerThread; call++) {
                    got.add(accounts.reserve("busy", "call-" + id + "-" + call, usd("1.00"), usd("0.50"), t(2)));
                }
                return got;
            });
        }
        List<Money> reservations = runTogether(workers).stream().flatMap(List::stream).flatMap(Optional::stream).toList();

        long reservedMicros = reservations.stream().mapToLong(Money::micros).sum();
        Account account = accounts.account("busy", USD);
        // Ten whole 1.00 reservations and the remaining 0.70; everyone after finds less than the minimum.
        assertThat(reservations).hasSize(11);
        assertThat(reservations).filteredOn(usd("1.00")::equals).hasSize(10);
        assertThat(reservations).contains(usd("0.70"));
        assertThat(reservedMicros).isEqualTo(usd("10.70").micros());
        assertThat(account.reserved()).as("no lost update").isEqualTo(new Money(reservedMicros, USD));
        assertThat(account.balance()).isEqualTo(usd("10.70"));
        assertThat(account.available().isNegative()).isFalse();
        List<LedgerEntry> ledger = accounts.ledger("busy");
        assertThat(ledger).filteredOn(e -> e.kind() == Kind.RESERVATION).hasSize(11);
        assertLedgerIsConsistentWith(ledger, account);
    }

    @Test
    void settleChargesReleasesTheRestAndHappensExactlyOnce() {
        accounts.topUp("settle", "t1", usd("10.00"), t(1));
        accounts.reserve("settle", "c1", usd("3.00"), usd("0.50"), t(2));
        assertThat(accounts.account("settle", USD)).isEqualTo(new Account("settle", usd("10.00"), usd("3.00")));

        assertThat(accounts.settle("settle", "c1", usd("1.25"), t(3))).isTrue();
        Account settled = accounts.account("settle", USD);
        assertThat(settled).isEqualTo(new Account("settle", usd("8.75"), usd("0")));

        assertThat(accounts.settle("settle", "c1", usd("1.25"), t(4))).as("duplicate").isFalse();
        assertThat(accounts.settle("settle", "c1", usd("0.10"), t(5))).as("duplicate, other amount").isFalse();
        assertThat(accounts.account("settle", USD)).isEqualTo(settled);
        assertThat(accounts.reserve("settle", "c1", usd("3.00"), usd("0.50"), t(6)))
                .as("the call's reservation is still the first one, not a new one").contains(usd("3.00"));
        assertThat(accounts.account("settle", USD)).isEqualTo(settled);

        List<LedgerEntry> ledger = accounts.ledger("settle");
        assertThat(ledger).extracting(LedgerEntry::kind, LedgerEntry::reference, LedgerEntry::amount,
                        LedgerEntry::balanceAfter, LedgerEntry::reservedAfter)
                .containsExactly(
                        tuple(Kind.TOP_UP, "t1", usd("10.00"), usd("10.00"), usd("0")),
                        tuple(Kind.RESERVATION, "c1", usd("3.00"), usd("10.00"), usd("3.00")),
                        tuple(Kind.SETTLEMENT, "c1", usd("-1.25"), usd("8.75"), usd("1.75")),
                        tuple(Kind.RELEASE, "c1", usd("1.75"), usd("8.75"), usd("0")));
        assertLedgerIsConsistentWith(ledger, settled);
    }

    @Test
    void settlingTheWholeReservationWritesNoRelease() {
        accounts.topUp("settle-all", "t1", usd("5.00"), t(1));
        accounts.reserve("settle-all", "c1", usd("2.00"), usd("0.50"), t(2));

        assertThat(accounts.settle("settle-all", "c1", usd("2.00"), t(3))).isTrue();

        assertThat(accounts.account("settle-all", USD)).isEqualTo(new Account("settle-all", usd("3.00"), usd("0")));
        assertThat(accounts.ledger("settle-all")).extracting(LedgerEntry::kind)
                .containsExactly(Kind.TOP_UP, Kind.RESERVATION, Kind.SETTLEMENT);
    }

    @Test
    void concurrentDuplicateSettlesChargeOnce() throws Exception {
        accounts.topUp("dup", "t1", usd("10.00"), t(1));
        accounts.reserve("dup", "c1", usd("4.00"), usd("0.50"), t(2));
        accounts.reserve("dup", "c2", usd("1.00"), usd("0.50"), t(2)); // stays reserved throughout

        List<Callable<Boolean>> settles = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            settles.add(() -> accounts.settle("dup", "c1", usd("2.50"), t(3)));
        }
        List<Boolean> results = runTogether(settles);

        assertThat(results).filteredOn(Boolean::booleanValue).as("exactly one settle wins").hasSize(1);
        Account account = accounts.account("dup", USD);
        assertThat(account).isEqualTo(new Account("dup", usd("7.50"), usd("1.00")));
        List<LedgerEntry> ledger = accounts.ledger("dup");
        assertThat(ledger).filteredOn(e -> e.kind() == Kind.SETTLEMENT).hasSize(1);
        assertThat(ledger).filteredOn(e -> e.kind() == Kind.RELEASE).singleElement()
                .extracting(LedgerEntry::amount).isEqualTo(usd("1.50"));
        assertLedgerIsConsistentWith(ledger, account);
    }

    @Test
    void settleWithoutReservationChangesNothing() {
        accounts.topUp("unreserved", "t1", usd("5.00"), t(1));
        Account before = accounts.account("unreserved", USD);

        assertThat(accounts.settle("unreserved", "c1", usd("1.00"), t(2))).isFalse();
        assertThat(accounts.settle("nobody-at-all", "c1", usd("1.00"), t(2))).isFalse();

        assertThat(accounts.account("unreserved", USD)).isEqualTo(before);
        assertThat(accounts.ledger("unreserved")).extracting(LedgerEntry::kind).containsExactly(Kind.TOP_UP);
        assertThat(accounts.ledger("nobody-at-all")).isEmpty();
        // It left no settlement marker: the call can still be reserved and settled once.
        accounts.reserve("unreserved", "c1", usd("2.00"), usd("0.50"), t(3));
        assertThat(accounts.settle("unreserved", "c1", usd("1.00"), t(4))).isTrue();
        assertThat(accounts.account("unreserved", USD).balance()).isEqualTo(usd("4.00"));
    }

    @Test
    void chargingMoreThanWasReservedIsRefusedAndChangesNothing() {
        accounts.topUp("greedy", "t1", usd("10.00"), t(1));
        accounts.reserve("greedy", "c1", usd("2.00"), usd("0.50"), t(2));
        Account before = accounts.account("greedy", USD);

        assertThatThrownBy(() -> accounts.settle("greedy", "c1", usd("2.01"), t(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2.00 USD");
        assertThatThrownBy(() -> accounts.settle("greedy", "c1", usd("-0.01"), t(3)))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(accounts.account("greedy", USD)).isEqualTo(before);
        assertThat(accounts.ledger("greedy")).hasSize(2);
        assertThat(accounts.settle("greedy", "c1", usd("2.00"), t(4))).as("not marked settled").isTrue();
    }

    @Test
    void mixedCurrenciesAreRefused() {
        Currency eur = Currency.getInstance("EUR");
        accounts.topUp("dollars", "t1", usd("5.00"), t(1));
        accounts.reserve("dollars", "c1", usd("1.00"), usd("0.50"), t(2));

        assertThatThrownBy(() -> accounts.account("dollars", eur)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> accounts.topUp("dollars", "t2", Money.of("1", eur), t(3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> accounts.reserve("dollars", "c2", Money.of("1", eur), Money.of("0.5", eur), t(3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> accounts.settle("dollars", "c1", Money.of("0.5", eur), t(3)))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(accounts.account("dollars", USD)).isEqualTo(new Account("dollars", usd("5.00"), usd("1.00")));
        assertThat(accounts.ledger("dollars")).hasSize(2);
    }

    @Test
    void ledgerListsLinesOldestFirstAcrossPagesAndAddsUpToTheAccount() {
        DynamoDbAccounts smallPages = new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name(), 2);
        List<Kind> expected = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            smallPages.topUp("pages", "t" + i, usd(i + ".00"), t(10 * i));
            smallPages.reserve("pages", "c" + i, usd("1.50"), usd("0.10"), t(10 * i + 1));
            smallPages.settle("pages", "c" + i, usd("0.20"), t(10 * i + 2));
            expected.addAll(List.of(Kind.TOP_UP, Kind.RESERVATION, Kind.SETTLEMENT, Kind.RELEASE));
        }

        List<LedgerEntry> ledger = smallPages.ledger("pages");
        assertThat(ledger).hasSize(16).extracting(LedgerEntry::kind).containsExactlyElementsOf(expected);
        assertThat(ledger).extracting(LedgerEntry::reference)
                .startsWith("t1", "c1", "c1", "c1", "t2").endsWith("t4", "c4", "c4", "c4");
        assertThat(ledger).extracting(LedgerEntry::at).isSorted();
        assertThat(accounts.ledger("pages")).as("same lines with the default page size").isEqualTo(ledger);
        assertLedgerIsConsistentWith(ledger, accounts.account("pages", USD));
        assertThat(accounts.account("pages", USD).balance()).isEqualTo(usd("9.20"));
    }

    @Test
    void ledgerKeepsTheOrderOfRecordingEvenWhenAnOldEventArrivesLate() {
        accounts.topUp("late", "t2", usd("2.00"), t(20));
        accounts.topUp("late", "t1", usd("1.00"), t(10)); // redelivered late, stamped earlier

        List<LedgerEntry> ledger = accounts.ledger("late");
        assertThat(ledger).extracting(LedgerEntry::reference).containsExactly("t2", "t1");
        assertThat(ledger).extracting(LedgerEntry::balanceAfter).containsExactly(usd("2.00"), usd("3.00"));
    }

    @Test
    void everyOperationWritesTheAccountItemMarkersAndLedgerLinesInOnePartition() {
        accounts.topUp("layout", "t1", usd("1.00"), t(1));
        accounts.reserve("layout", "c1", usd("0.60"), usd("0.10"), t(2));
        accounts.settle("layout", "c1", usd("0.50"), t(3));

        List<String> keys = dynamoDb.queryPaginator(r -> r.tableName(Resources.ACCOUNTS.name()).consistentRead(true)
                        .keyConditionExpression("userId = :u").expressionAttributeValues(Map.of(":u", AttributeValue.fromS("layout"))))
                .items().stream().map(item -> item.get("entryKey").s()).toList();
        assertThat(keys).containsExactly("ACCOUNT",
                "ledger#0000000000000000001", "ledger#0000000000000000002", "ledger#0000000000000000003",
                "ledger#0000000000000000004",
                "ref#RESERVATION#c1", "ref#SETTLEMENT#c1", "ref#TOP_UP#t1");
    }

    /**
     * The ledger explains the account: top-ups and settlements add up to the balance; reservations
     * minus releases and settled charges add up to what is reserved; each line's balance and reserved
     * follow from the line before.
     */
    static void assertLedgerIsConsistentWith(List<LedgerEntry> ledger, Account account) {
        long balance = 0;
        long reserved = 0;
        for (LedgerEntry line : ledger) {
            long amount = line.amount().micros();
            switch (line.kind()) {
                case TOP_UP -> balance += amount;
                case RESERVATION -> reserved += amount;
                case SETTLEMENT -> {
                    balance += amount; // negative
                    reserved += amount; // the charged part of the reservation is used up
                }
                case RELEASE -> reserved -= amount;
            }
            assertThat(line.balanceAfter().micros()).as("balance after %s", line).isEqualTo(balance);
            assertThat(line.reservedAfter().micros()).as("reserved after %s", line).isEqualTo(reserved);
            assertThat(balance).as("balance never negative").isNotNegative();
            assertThat(reserved).as("reserved never above balance").isBetween(0L, balance);
        }
        long balanceMovingSum = ledger.stream().filter(e -> e.kind() == Kind.TOP_UP || e.kind() == Kind.SETTLEMENT)
                .mapToLong(e -> e.amount().micros()).sum();
        assertThat(new Money(balanceMovingSum, USD)).isEqualTo(account.balance());
        assertThat(new Money(reserved, USD)).isEqualTo(account.reserved());
    }

    static <T> List<T> runTogether(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch ready = new CountDownLatch(tasks.size());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return task.call();
                }));
            }
            ready.await();
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
