package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.core.Page;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.Accounts;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.LedgerEntry.Kind;
import dev.calling.core.money.Money;
import dev.calling.embedded.FailingDynamoDb.Crash;
import dev.calling.embedded.FailingDynamoDb.Died;
import dev.calling.embedded.FailingDynamoDb.LostAnswer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * {@link DynamoDbAccounts} against the embedded DynamoDB, through the real SDK client: every
 * operation is idempotent on its reference and moves money exactly once with single-item
 * conditional writes, concurrent writers never spend money twice, and a process that dies between
 * the account write and its follow-up writes leaves nothing that the next operation does not
 * complete. Each test uses its own user, so the tests share one table without seeing each other.
 */
class AccountsTest {

    static final Currency USD = Currency.getInstance("USD");
    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final int THREADS = 8;

    static final String TABLE = Resources.ACCOUNTS.name();

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static DynamoDbAccounts accounts;
    /** A client (built as the functions build theirs) whose process dies where a test says. */
    static Crash crash = new Crash();
    static DynamoDbClient crashingDynamoDb;
    static DynamoDbAccounts crashing;
    static LostAnswer lostAnswer;
    static DynamoDbClient lossyDynamoDb;
    static DynamoDbAccounts lossy;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        accounts = new DynamoDbAccounts(dynamoDb, TABLE);
        crashingDynamoDb = aws.clients().withInterceptors(List.of(crash), List.of()).dynamoDb();
        crashing = new DynamoDbAccounts(crashingDynamoDb, TABLE);
        lostAnswer = new LostAnswer(dynamoDb);
        lossyDynamoDb = aws.clients().withInterceptors(List.of(lostAnswer), List.of()).dynamoDb();
        lossy = new DynamoDbAccounts(lossyDynamoDb, TABLE);
    }

    @AfterAll
    static void stop() {
        lossyDynamoDb.close();
        crashingDynamoDb.close();
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
    void releaseGivesBackAReservationOnceChargingNothingAndNeedsNoAccount() {
        accounts.topUp("rel", "t1", usd("3.00"), t(1));
        accounts.reserve("rel", "c1", usd("2.00"), usd("0.50"), t(2));

        assertThat(accounts.release("rel", "c1", t(3))).isTrue();
        assertThat(accounts.release("rel", "c1", t(4))).as("exactly once").isFalse();
        assertThat(accounts.settle("rel", "c1", usd("1.00"), t(5))).as("nothing left to settle").isFalse();

        assertThat(accounts.account("rel", USD)).isEqualTo(new Account("rel", usd("3.00"), usd("0")));
        assertThat(accounts.release("rel", "never-reserved", t(6))).isFalse();
        assertThat(accounts.release("nobody-at-all", "c9", t(6))).isFalse();
        assertThat(accounts.ledger("nobody-at-all")).isEmpty();
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
    void aRefundGivesBackWhatTheSettlementTookAboveTheRevisedChargeOnceAndOnlyAfterIt() {
        accounts.topUp("refund", "t1", usd("10.00"), t(1));
        accounts.reserve("refund", "c1", usd("3.00"), usd("0.50"), t(2));
        assertThatThrownBy(() -> accounts.refund("refund", "c1", usd("0.10"), t(3)))
                .as("not settled yet: the refund waits for the settlement").isInstanceOf(IllegalStateException.class);
        accounts.settle("refund", "c1", usd("3.00"), t(4)); // cut off: the whole reservation

        assertThat(accounts.refund("refund", "c1", usd("0.10"), t(5))).isTrue();
        assertThat(accounts.refund("refund", "c1", usd("0.10"), t(6))).as("redelivered").isFalse();
        assertThat(accounts.refund("refund", "c1", usd("0.01"), t(7))).as("once per call, whatever").isFalse();

        Account account = accounts.account("refund", USD);
        assertThat(account).isEqualTo(new Account("refund", usd("9.90"), usd("0")));
        List<LedgerEntry> ledger = accounts.ledger("refund");
        LedgerEntry refund = ledger.get(ledger.size() - 1);
        assertThat(List.of(refund.kind(), refund.reference(), refund.amount(), refund.balanceAfter(),
                refund.reservedAfter())).containsExactly(Kind.REFUND, "c1", usd("2.90"), usd("9.90"), usd("0"));
        assertLedgerIsConsistentWith(ledger, account);
        assertThat(keys("refund")).contains("ref#SETTLEMENT#c1", "ref#REFUND#c1");
    }

    @Test
    void noRefundForACallSettledAtTheRevisedPriceAlreadyOrNeverCharged() {
        accounts.topUp("no-refund", "t1", usd("10.00"), t(1));
        accounts.reserve("no-refund", "c1", usd("3.00"), usd("0.50"), t(2));
        accounts.settle("no-refund", "c1", usd("0.10"), t(3)); // the revision's own charge got there first

        assertThat(accounts.refund("no-refund", "c1", usd("0.10"), t(4))).isFalse();
        assertThat(accounts.refund("no-refund", "never-reserved", usd("0"), t(4))).isFalse();
        assertThat(accounts.refund("nobody-at-all", "c9", usd("0"), t(4))).isFalse();

        assertThat(accounts.account("no-refund", USD)).isEqualTo(new Account("no-refund", usd("9.90"), usd("0")));
        assertThat(accounts.ledger("no-refund")).extracting(LedgerEntry::kind).doesNotContain(Kind.REFUND);
    }

    @Test
    void concurrentDuplicateRefundsGiveBackOnce() throws Exception {
        accounts.topUp("dup-refund", "t1", usd("10.00"), t(1));
        accounts.reserve("dup-refund", "c1", usd("4.00"), usd("0.50"), t(2));
        accounts.reserve("dup-refund", "c2", usd("1.00"), usd("0.50"), t(2)); // stays reserved throughout
        accounts.settle("dup-refund", "c1", usd("4.00"), t(3));

        List<Callable<Boolean>> refunds = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            refunds.add(() -> accounts.refund("dup-refund", "c1", usd("1.00"), t(4)));
        }
        assertThat(runTogether(refunds)).filteredOn(Boolean::booleanValue).as("exactly one refund wins").hasSize(1);

        Account account = accounts.account("dup-refund", USD);
        assertThat(account).isEqualTo(new Account("dup-refund", usd("9.00"), usd("1.00")));
        assertLedgerIsConsistentWith(accounts.ledger("dup-refund"), account);
    }

    @Test
    void aRefundThatDiedAfterTheAccountWriteIsCompletedByItsRedeliveryAndGivesBackOnce() {
        accounts.topUp("died-refund", "t1", usd("10.00"), t(1));
        accounts.reserve("died-refund", "c1", usd("3.00"), usd("0.50"), t(2));
        accounts.settle("died-refund", "c1", usd("3.00"), t(3));
        crash.before(PutItemRequest.class, 1); // after the account write: its line and marker are not written
        assertThatThrownBy(() -> crashing.refund("died-refund", "c1", usd("1.00"), t(4))).satisfies(AccountsTest::died);
        crash.revive();

        assertThat(accounts.refund("died-refund", "c1", usd("1.00"), t(4))).isFalse();

        Account account = accounts.account("died-refund", USD);
        assertThat(account).isEqualTo(new Account("died-refund", usd("9.00"), usd("0")));
        assertLedgerIsConsistentWith(accounts.ledger("died-refund"), account);
        assertStoredLedgerIsComplete("died-refund");
    }

    static final LedgerEntry.Note GOODWILL = new LedgerEntry.Note("dropped call goodwill", "arn:aws:iam::1:user/ops");

    static Accounts.Adjustment adjustment(Kind kind, String id, String amount, LedgerEntry.Note note, int at) {
        return new Accounts.Adjustment(kind, id, usd(amount), note, t(at));
    }

    @Test
    void anOperatorsTopUpAndAdjustmentsAreLedgerLinesWithTheirNoteRecordedOncePerId() {
        Accounts.Adjustment topUp = adjustment(Kind.TOP_UP, "ticket-1", "5.00",
                new LedgerEntry.Note("bank transfer", "arn:aws:iam::1:user/ops"), 1);
        Accounts.Adjustment credit = adjustment(Kind.ADJUSTMENT, "g-1", "1.25", GOODWILL, 2);
        Accounts.Adjustment debit = adjustment(Kind.ADJUSTMENT, "d-1", "-0.75",
                new LedgerEntry.Note("duplicate credit taken back", "arn:aws:iam::1:user/ops2"), 3);

        assertThat(accounts.adjust("ops-adj", topUp)).isEqualTo(new Accounts.Adjusted.Applied(
                new Account("ops-adj", usd("5.00"), usd("0")), false));
        accounts.adjust("ops-adj", credit);
        accounts.adjust("ops-adj", debit);
        assertThat(accounts.adjust("ops-adj", adjustment(Kind.ADJUSTMENT, "g-1", "1.25",
                new LedgerEntry.Note("dropped call goodwill", "arn:aws:iam::1:user/other"), 9)))
                .as("the same operation again, by whoever: applied once")
                .isEqualTo(new Accounts.Adjusted.Applied(new Account("ops-adj", usd("5.50"), usd("0")), true));

        assertThat(accounts.ledger("ops-adj")).extracting(LedgerEntry::kind, LedgerEntry::reference, LedgerEntry::amount,
                        LedgerEntry::balanceAfter, LedgerEntry::note)
                .containsExactly(
                        tuple(Kind.TOP_UP, "ticket-1", usd("5.00"), usd("5.00"), Optional.of(topUp.note())),
                        tuple(Kind.ADJUSTMENT, "g-1", usd("1.25"), usd("6.25"), Optional.of(GOODWILL)),
                        tuple(Kind.ADJUSTMENT, "d-1", usd("-0.75"), usd("5.50"), Optional.of(debit.note())));
        assertStoredLedgerIsComplete("ops-adj");
    }

    @Test
    void anOperatorsIdReusedForAnotherAmountOrReasonIsRefusedAndWritesNothing() {
        accounts.adjust("ops-clash", adjustment(Kind.ADJUSTMENT, "a-1", "2.00", GOODWILL, 1));
        accounts.topUp("ops-clash", "card-1", usd("1.00"), t(2)); // an app top-up: no note

        assertThat(accounts.adjust("ops-clash", adjustment(Kind.ADJUSTMENT, "a-1", "3.00", GOODWILL, 3)))
                .isEqualTo(new Accounts.Adjusted.IdReused(usd("2.00"), GOODWILL.reason()));
        assertThat(accounts.adjust("ops-clash", adjustment(Kind.ADJUSTMENT, "a-1", "2.00",
                new LedgerEntry.Note("another reason", GOODWILL.by()), 3)))
                .isEqualTo(new Accounts.Adjusted.IdReused(usd("2.00"), GOODWILL.reason()));
        assertThat(accounts.adjust("ops-clash", adjustment(Kind.TOP_UP, "card-1", "1.00", GOODWILL, 3)))
                .as("a payment's top-up id is no operator's").isEqualTo(new Accounts.Adjusted.IdReused(usd("1.00"), null));

        assertThat(accounts.account("ops-clash", USD).balance()).isEqualTo(usd("3.00"));
        assertThat(accounts.ledger("ops-clash")).hasSize(2);
    }

    @Test
    void aDebitNeverTakesWhatCallsInProgressHold() {
        accounts.topUp("ops-debit", "t1", usd("10.00"), t(1));
        accounts.reserve("ops-debit", "c1", usd("6.00"), usd("0.50"), t(2));

        assertThat(accounts.adjust("ops-debit", adjustment(Kind.ADJUSTMENT, "d-1", "-4.01", GOODWILL, 3)))
                .isEqualTo(new Accounts.Adjusted.NotAvailable(usd("4.00")));
        assertThat(accounts.adjust("ops-debit", adjustment(Kind.ADJUSTMENT, "d-2", "-4.00", GOODWILL, 4)))
                .isEqualTo(new Accounts.Adjusted.Applied(new Account("ops-debit", usd("6.00"), usd("6.00")), false));
        assertThat(accounts.settle("ops-debit", "c1", usd("6.00"), t(5))).isTrue();
        assertThat(accounts.account("ops-debit", USD)).isEqualTo(new Account("ops-debit", usd("0"), usd("0")));
        assertThat(accounts.ledger("ops-debit")).extracting(LedgerEntry::reference).doesNotContain("d-1");
    }

    @Test
    void anAdjustmentThatDiedAfterTheAccountWriteIsCompletedByItsRetryWithItsNote() {
        crash.before(PutItemRequest.class, 1); // after the account write: its line and marker are not written
        assertThatThrownBy(() -> crashing.adjust("ops-died", adjustment(Kind.ADJUSTMENT, "a-1", "2.00", GOODWILL, 1)))
                .satisfies(AccountsTest::died);
        crash.revive();

        assertThat(accounts.adjust("ops-died", adjustment(Kind.ADJUSTMENT, "a-1", "2.00", GOODWILL, 2)))
                .isEqualTo(new Accounts.Adjusted.Applied(new Account("ops-died", usd("2.00"), usd("0")), true));
        assertThat(accounts.ledger("ops-died")).extracting(LedgerEntry::note).containsExactly(Optional.of(GOODWILL));
        assertStoredLedgerIsComplete("ops-died");
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
        DynamoDbAccounts smallPages = new DynamoDbAccounts(dynamoDb, TABLE, 2);
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

        // A settlement's marker keeps what it took, for a refund; the hold it removed is its idempotency.
        assertThat(keys("layout")).containsExactly("ACCOUNT",
                "ledger#0000000000000000001", "ledger#0000000000000000002", "ledger#0000000000000000003",
                "ledger#0000000000000000004",
                "ref#RESERVATION#c1", "ref#SETTLEMENT#c1", "ref#TOP_UP#t1");
        Map<String, AttributeValue> account = item("layout", "ACCOUNT");
        assertThat(account.get("version").n()).isEqualTo("4");
        assertThat(account.get("holds").m()).as("no call in progress").isEmpty();
        assertThat(account.get("pending").m()).as("every line written as its own item").isEmpty();
        assertThat(item("layout", "ref#RESERVATION#c1").get("sequence").n()).isEqualTo("2");
    }

    @Test
    void theAccountHoldsOneEntryPerCallInProgressAndNothingPerLedgerLine() {
        accounts.topUp("holds", "t1", usd("10.00"), t(1));
        for (int i = 1; i <= 5; i++) {
            accounts.reserve("holds", "old-" + i, usd("0.50"), usd("0.10"), t(2));
            accounts.settle("holds", "old-" + i, usd("0.10"), t(3));
        }
        accounts.reserve("holds", "c1", usd("1.00"), usd("0.10"), t(4));
        accounts.reserve("holds", "c.2 with $odd:chars#", usd("2.00"), usd("0.10"), t(4));

        Map<String, AttributeValue> account = item("holds", "ACCOUNT");
        assertThat(account.get("holds").m()).containsOnlyKeys("c1", "c.2 with $odd:chars#");
        assertThat(account.get("holds").m().get("c1").n()).isEqualTo(Long.toString(usd("1.00").micros()));
        assertThat(account.get("pending").m()).isEmpty();
        assertThat(accounts.settle("holds", "c.2 with $odd:chars#", usd("1.50"), t(5))).isTrue();
        assertThat(item("holds", "ACCOUNT").get("holds").m()).containsOnlyKeys("c1");
        assertLedgerIsConsistentWith(accounts.ledger("holds"), accounts.account("holds", USD));
    }

    @Test
    void twoReservationsRacingForTheSameMoneyNeverBothGetIt() throws Exception {
        for (int round = 0; round < 10; round++) {
            String user = "race-" + round;
            accounts.topUp(user, "t1", usd("5.00"), t(1));

            List<Optional<Money>> got = runTogether(List.of(
                    () -> accounts.reserve(user, "call-a", usd("5.00"), usd("0.01"), t(2)),
                    () -> accounts.reserve(user, "call-b", usd("5.00"), usd("0.01"), t(2))));

            // Both want the whole balance: whoever records first gets it all, the other finds nothing.
            assertThat(got).filteredOn(Optional::isPresent).singleElement().isEqualTo(Optional.of(usd("5.00")));
            Account account = accounts.account(user, USD);
            assertThat(account).isEqualTo(new Account(user, usd("5.00"), usd("5.00")));
            List<LedgerEntry> ledger = accounts.ledger(user);
            assertThat(ledger).extracting(LedgerEntry::kind).containsExactly(Kind.TOP_UP, Kind.RESERVATION);
            assertLedgerIsConsistentWith(ledger, account);
            assertStoredLedgerIsComplete(user);
        }
    }

    @Test
    void manyConcurrentOperationsOnOneAccountAddUp() throws Exception {
        String user = "crowd";
        int rounds = 4;
        record Outcome(long toppedUp, long charged) {}
        List<Callable<Outcome>> workers = new ArrayList<>();
        for (int thread = 0; thread < THREADS; thread++) {
            int id = thread;
            workers.add(() -> {
                long toppedUp = 0;
                long charged = 0;
                for (int i = 0; i < rounds; i++) {
                    String topUpId = "t-" + id + "-" + i;
                    Money topUp = usd("0." + (50 + id * 5 + i));
                    accounts.topUp(user, topUpId, topUp, t(i));
                    toppedUp += topUp.micros();
                    accounts.topUp(user, topUpId, topUp, t(i)); // redelivered
                    String callId = "c-" + id + "-" + i;
                    Optional<Money> reserved = accounts.reserve(user, callId, usd("0.80"), usd("0.05"), t(i));
                    assertThat(accounts.reserve(user, callId, usd("0.80"), usd("0.05"), t(i))).as("redelivered")
                            .isEqualTo(reserved);
                    if (reserved.isPresent()) {
                        Money charge = new Money(reserved.get().micros() * (i + 1) / (rounds + 1), USD);
                        if (accounts.settle(user, callId, charge, t(i))) {
                            charged += charge.micros();
                        }
                        assertThat(accounts.settle(user, callId, charge, t(i))).as("redelivered").isFalse();
                    }
                }
                return new Outcome(toppedUp, charged);
            });
        }
        List<Outcome> outcomes = runTogether(workers);

        long toppedUp = outcomes.stream().mapToLong(Outcome::toppedUp).sum();
        long charged = outcomes.stream().mapToLong(Outcome::charged).sum();
        Account account = accounts.account(user, USD);
        assertThat(account.balance()).isEqualTo(new Money(toppedUp - charged, USD));
        assertThat(account.reserved()).as("every reservation settled").isEqualTo(usd("0"));
        List<LedgerEntry> ledger = accounts.ledger(user);
        assertThat(ledger).filteredOn(e -> e.kind() == Kind.TOP_UP).hasSize(THREADS * rounds);
        assertThat(ledger.stream().filter(e -> e.kind() == Kind.SETTLEMENT).mapToLong(e -> -e.amount().micros()).sum())
                .isEqualTo(charged);
        assertLedgerIsConsistentWith(ledger, account);
        assertStoredLedgerIsComplete(user);
        assertThat(item(user, "ACCOUNT").get("holds").m()).isEmpty();
    }

    @Test
    void aSettlementRedeliveredWhileTheFirstIsStillRunningChargesOnce() throws Exception {
        accounts.topUp("redelivered", "t1", usd("10.00"), t(1));
        accounts.reserve("redelivered", "c1", usd("4.00"), usd("0.50"), t(2));
        assertThat(accounts.settle("redelivered", "c1", usd("3.00"), t(3))).isTrue();

        List<Callable<Boolean>> again = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            again.add(() -> accounts.settle("redelivered", "c1", usd("3.00"), t(3)));
        }
        assertThat(runTogether(again)).containsOnly(false);
        assertThat(accounts.settle("redelivered", "c1", usd("1.00"), t(4))).isFalse();

        Account account = accounts.account("redelivered", USD);
        assertThat(account).isEqualTo(new Account("redelivered", usd("7.00"), usd("0")));
        assertLedgerIsConsistentWith(accounts.ledger("redelivered"), account);
    }

    @Test
    void aReservationRedeliveredAfterItsSettlementReservesNothing() {
        accounts.topUp("after-settle", "t1", usd("10.00"), t(1));
        assertThat(accounts.reserve("after-settle", "c1", usd("3.00"), usd("0.50"), t(2))).contains(usd("3.00"));
        accounts.settle("after-settle", "c1", usd("1.00"), t(3));
        Account settled = accounts.account("after-settle", USD);

        assertThat(accounts.reserve("after-settle", "c1", usd("3.00"), usd("0.50"), t(4)))
                .as("the first reservation's answer, nothing reserved").contains(usd("3.00"));
        assertThat(accounts.reserve("after-settle", "c1", usd("9.00"), usd("9.00"), t(4))).contains(usd("3.00"));

        assertThat(accounts.account("after-settle", USD)).isEqualTo(settled);
        assertThat(accounts.ledger("after-settle")).extracting(LedgerEntry::kind)
                .containsExactly(Kind.TOP_UP, Kind.RESERVATION, Kind.SETTLEMENT, Kind.RELEASE);
        assertThat(item("after-settle", "ACCOUNT").get("holds").m()).isEmpty();
    }

    // --- a process that dies between the account write and its follow-up writes -----------------

    @Test
    void aTopUpThatDiedAfterTheAccountWriteIsCompletedByItsRedelivery() {
        crash.before(PutItemRequest.class, 1); // the line's item: the first put after the account write
        assertThatThrownBy(() -> crashing.topUp("died-top-up", "t1", usd("5.00"), t(1))).satisfies(AccountsTest::died);
        crash.revive();

        // The money moved with its line, which is still only in the account item.
        assertThat(accounts.account("died-top-up", USD).balance()).isEqualTo(usd("5.00"));
        assertThat(keys("died-top-up")).containsExactly("ACCOUNT");
        assertThat(accounts.ledger("died-top-up")).extracting(LedgerEntry::kind, LedgerEntry::reference,
                LedgerEntry::balanceAfter).containsExactly(tuple(Kind.TOP_UP, "t1", usd("5.00")));
        assertThatThrownBy(() -> accounts.topUp("died-top-up", "t1", usd("7.00"), t(2)))
                .as("the id is remembered while pending").isInstanceOf(IllegalArgumentException.class);

        Account redelivered = accounts.topUp("died-top-up", "t1", usd("5.00"), t(2));

        assertThat(redelivered).isEqualTo(new Account("died-top-up", usd("5.00"), usd("0")));
        assertThat(accounts.account("died-top-up", USD)).isEqualTo(redelivered);
        assertThat(keys("died-top-up")).containsExactly("ACCOUNT", "ledger#0000000000000000001", "ref#TOP_UP#t1");
        assertThat(item("died-top-up", "ACCOUNT").get("pending").m()).isEmpty();
        assertThat(accounts.ledger("died-top-up")).hasSize(1);
    }

    @Test
    void aReservationThatDiedBetweenItsLineAndItsMarkerIsCompletedByTheNextOperation() {
        accounts.topUp("died-reserve", "t1", usd("5.00"), t(1));
        crash.before(PutItemRequest.class, 2); // the marker: the line's item is written
        assertThatThrownBy(() -> crashing.reserve("died-reserve", "c1", usd("2.00"), usd("0.50"), t(2)))
                .satisfies(AccountsTest::died);
        crash.revive();
        assertThat(keys("died-reserve")).containsExactly("ACCOUNT", "ledger#0000000000000000001",
                "ledger#0000000000000000002", "ref#TOP_UP#t1");
        assertThat(accounts.ledger("died-reserve")).extracting(LedgerEntry::kind)
                .as("the line once, though in the account and in its item").containsExactly(Kind.TOP_UP, Kind.RESERVATION);

        accounts.topUp("died-reserve", "t2", usd("1.00"), t(3)); // another operation repairs first

        assertThat(keys("died-reserve")).containsExactly("ACCOUNT", "ledger#0000000000000000001",
                "ledger#0000000000000000002", "ledger#0000000000000000003", "ref#RESERVATION#c1", "ref#TOP_UP#t1",
                "ref#TOP_UP#t2");
        assertThat(accounts.reserve("died-reserve", "c1", usd("2.00"), usd("0.50"), t(4))).contains(usd("2.00"));
        Account account = accounts.account("died-reserve", USD);
        assertThat(account).isEqualTo(new Account("died-reserve", usd("6.00"), usd("2.00")));
        assertLedgerIsConsistentWith(accounts.ledger("died-reserve"), account);
        assertStoredLedgerIsComplete("died-reserve");
    }

    @Test
    void aSettlementThatDiedBeforeRemovingItsPendingLinesChargesOnceWhateverIsRedelivered() throws Exception {
        accounts.topUp("died-settle", "t1", usd("10.00"), t(1));
        accounts.reserve("died-settle", "c1", usd("4.00"), usd("0.50"), t(2));
        crash.before(UpdateItemRequest.class, 2); // the removal from pending: both lines' items are written
        assertThatThrownBy(() -> crashing.settle("died-settle", "c1", usd("1.50"), t(3))).satisfies(AccountsTest::died);
        crash.revive();
        assertThat(item("died-settle", "ACCOUNT").get("pending").m()).hasSize(2);
        assertThat(accounts.ledger("died-settle")).extracting(LedgerEntry::kind)
                .containsExactly(Kind.TOP_UP, Kind.RESERVATION, Kind.SETTLEMENT, Kind.RELEASE);

        List<Callable<Boolean>> redelivered = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            redelivered.add(() -> accounts.settle("died-settle", "c1", usd("1.50"), t(3)));
        }
        assertThat(runTogether(redelivered)).as("settled already").containsOnly(false);

        Account account = accounts.account("died-settle", USD);
        assertThat(account).isEqualTo(new Account("died-settle", usd("8.50"), usd("0")));
        assertThat(item("died-settle", "ACCOUNT").get("pending").m()).isEmpty();
        assertLedgerIsConsistentWith(accounts.ledger("died-settle"), account);
        assertStoredLedgerIsComplete("died-settle");
    }

    @Test
    void aReservationRedeliveredAfterASettlementThatDiedReservesNothing() {
        accounts.topUp("died-then-reserve", "t1", usd("10.00"), t(1));
        accounts.reserve("died-then-reserve", "c1", usd("4.00"), usd("0.50"), t(2));
        crash.before(PutItemRequest.class, 1);
        assertThatThrownBy(() -> crashing.settle("died-then-reserve", "c1", usd("4.00"), t(3)))
                .satisfies(AccountsTest::died);
        crash.revive();

        assertThat(accounts.reserve("died-then-reserve", "c1", usd("4.00"), usd("0.50"), t(4))).contains(usd("4.00"));
        assertThat(accounts.settle("died-then-reserve", "c1", usd("4.00"), t(5))).isFalse();

        Account account = accounts.account("died-then-reserve", USD);
        assertThat(account).isEqualTo(new Account("died-then-reserve", usd("6.00"), usd("0")));
        assertThat(accounts.ledger("died-then-reserve")).extracting(LedgerEntry::kind)
                .containsExactly(Kind.TOP_UP, Kind.RESERVATION, Kind.SETTLEMENT);
        assertLedgerIsConsistentWith(accounts.ledger("died-then-reserve"), account);
        assertStoredLedgerIsComplete("died-then-reserve");
    }

    @Test
    void aNewAccountWhoseFirstTopUpDiedIsCompletedByAReservation() {
        crash.before(PutItemRequest.class, 1);
        assertThatThrownBy(() -> crashing.topUp("died-first", "t1", usd("3.00"), t(1))).satisfies(AccountsTest::died);
        crash.revive();

        assertThat(accounts.reserve("died-first", "c1", usd("1.00"), usd("0.50"), t(2))).contains(usd("1.00"));

        assertThat(keys("died-first")).containsExactly("ACCOUNT", "ledger#0000000000000000001",
                "ledger#0000000000000000002", "ref#RESERVATION#c1", "ref#TOP_UP#t1");
        assertThat(accounts.topUp("died-first", "t1", usd("3.00"), t(3)).balance()).isEqualTo(usd("3.00"));
        assertLedgerIsConsistentWith(accounts.ledger("died-first"), accounts.account("died-first", USD));
    }

    @Test
    void pagesNewestFirstIncludeLinesStillPending() {
        accounts.topUp("pending-pages", "t1", usd("5.00"), t(1));
        accounts.reserve("pending-pages", "c1", usd("2.00"), usd("0.50"), t(2));
        crash.before(PutItemRequest.class, 1);
        assertThatThrownBy(() -> crashing.settle("pending-pages", "c1", usd("0.50"), t(3)))
                .satisfies(AccountsTest::died);
        crash.revive();
        List<LedgerEntry> oldestFirst = accounts.ledger("pending-pages");
        assertThat(oldestFirst).extracting(LedgerEntry::kind)
                .containsExactly(Kind.TOP_UP, Kind.RESERVATION, Kind.SETTLEMENT, Kind.RELEASE);
        List<LedgerEntry> newestFirst = new ArrayList<>(oldestFirst);
        Collections.reverse(newestFirst);

        for (int limit = 1; limit <= 5; limit++) {
            List<LedgerEntry> read = new ArrayList<>();
            Optional<String> after = Optional.empty();
            int pages = 0;
            do {
                Page<LedgerEntry> page = accounts.ledger("pending-pages", limit, after);
                assertThat(page.items().size()).isLessThanOrEqualTo(limit);
                read.addAll(page.items());
                after = page.next();
                assertThat(++pages).as("pages end").isLessThanOrEqualTo(6);
            } while (after.isPresent());
            assertThat(read).as("limit %d", limit).isEqualTo(newestFirst);
        }
        assertThat(accounts.ledger("pending-pages", 2, Optional.empty()).next()).contains("ledger#0000000000000000003");
        assertThat(keys("pending-pages")).as("reading repairs nothing").doesNotContain("ledger#0000000000000000003");
    }

    @Test
    void anAccountWriteWhoseAnswerWasLostIsNotDoneTwiceAndItsCallerIsToldTheTruth() {
        lostAnswer.arm();
        Account toppedUp = lossy.topUp("lost", "t1", usd("10.00"), t(1));
        assertThat(lostAnswer.delivered()).isTrue();
        assertThat(toppedUp).isEqualTo(new Account("lost", usd("10.00"), usd("0")));

        lostAnswer.arm();
        assertThat(lossy.reserve("lost", "c1", usd("4.00"), usd("0.50"), t(2))).contains(usd("4.00"));
        assertThat(lostAnswer.delivered()).isTrue();

        lostAnswer.arm();
        assertThat(lossy.settle("lost", "c1", usd("1.00"), t(3))).as("its own settlement").isTrue();
        assertThat(lostAnswer.delivered()).isTrue();
        assertThat(lossy.settle("lost", "c1", usd("1.00"), t(4))).as("a duplicate's").isFalse();

        Account account = accounts.account("lost", USD);
        assertThat(account).isEqualTo(new Account("lost", usd("9.00"), usd("0")));
        assertThat(accounts.ledger("lost")).extracting(LedgerEntry::kind)
                .containsExactly(Kind.TOP_UP, Kind.RESERVATION, Kind.SETTLEMENT, Kind.RELEASE);
        assertStoredLedgerIsComplete("lost");
    }

    @Test
    void anAccountWrittenBeforeHoldsAndPendingExistedIsCarriedOn() {
        // The ACCOUNT item and ledger line as the transactional version wrote them.
        Money five = usd("5.00");
        dynamoDb.putItem(r -> r.tableName(TABLE).item(Map.of("userId", AttributeValue.fromS("legacy"),
                "entryKey", AttributeValue.fromS("ACCOUNT"), "balance", AttributeValue.fromN(Long.toString(five.micros())),
                "reserved", AttributeValue.fromN("0"), "currency", AttributeValue.fromS("USD"),
                "version", AttributeValue.fromN("1"))));
        Map<String, AttributeValue> line = new HashMap<>(Map.of("userId", AttributeValue.fromS("legacy"),
                "entryKey", AttributeValue.fromS("ledger#0000000000000000001"), "sequence", AttributeValue.fromN("1"),
                "kind", AttributeValue.fromS("TOP_UP"), "reference", AttributeValue.fromS("t1"),
                "amount", AttributeValue.fromN(Long.toString(five.micros())),
                "balanceAfter", AttributeValue.fromN(Long.toString(five.micros())),
                "reservedAfter", AttributeValue.fromN("0"), "currency", AttributeValue.fromS("USD")));
        line.put("at", AttributeValue.fromS(t(1).toString()));
        dynamoDb.putItem(r -> r.tableName(TABLE).item(line));

        assertThat(accounts.reserve("legacy", "c1", usd("2.00"), usd("0.50"), t(2))).contains(usd("2.00"));
        assertThat(accounts.settle("legacy", "c1", usd("0.50"), t(3))).isTrue();
        assertThat(accounts.topUp("legacy", "t2", usd("1.00"), t(4)).balance()).isEqualTo(usd("5.50"));

        Account account = accounts.account("legacy", USD);
        assertThat(account).isEqualTo(new Account("legacy", usd("5.50"), usd("0")));
        assertThat(accounts.ledger("legacy")).hasSize(5);
        assertLedgerIsConsistentWith(accounts.ledger("legacy"), account);
    }

    @Test
    void aReservationOpenWhenTheTransactionalVersionWasReplacedIsSettledByTheNewOne() {
        // As the transactional version left an account with a call in progress: 2.00 of 5.00 reserved
        // (ACCOUNT without holds, the reservation's marker and line), and an earlier call settled.
        Money five = usd("5.00");
        Money two = usd("2.00");
        putLegacy("legacy-open", "ACCOUNT", Map.of("balance", n(five.micros()), "reserved", n(two.micros()),
                "currency", AttributeValue.fromS("USD"), "version", AttributeValue.fromN("2")));
        putLegacy("legacy-open", "ref#TOP_UP#t1", Map.of("amount", n(five.micros()), "currency", AttributeValue.fromS("USD")));
        putLegacy("legacy-open", "ref#RESERVATION#old", Map.of("amount", n(usd("1.00").micros()),
                "currency", AttributeValue.fromS("USD")));
        putLegacy("legacy-open", "ref#SETTLEMENT#old", Map.of("amount", n(0), "currency", AttributeValue.fromS("USD")));
        putLegacy("legacy-open", "ref#RESERVATION#in-progress", Map.of("amount", n(two.micros()),
                "currency", AttributeValue.fromS("USD")));
        putLegacy("legacy-open", "ledger#0000000000000000001", legacyLine(1, "TOP_UP", "t1", five.micros(), five.micros(), 0));
        putLegacy("legacy-open", "ledger#0000000000000000002", legacyLine(2, "RESERVATION", "in-progress", two.micros(),
                five.micros(), two.micros()));

        // A new call first (its write stores the old call's hold with its own), then the old call ends.
        assertThat(accounts.reserve("legacy-open", "new", usd("1.00"), usd("0.10"), t(5))).contains(usd("1.00"));
        assertThat(item("legacy-open", "ACCOUNT").get("holds").m()).containsOnlyKeys("in-progress", "new");
        assertThat(accounts.settle("legacy-open", "in-progress", usd("0.30"), t(6))).isTrue();
        assertThat(accounts.settle("legacy-open", "in-progress", usd("0.30"), t(6))).isFalse();
        assertThat(accounts.settle("legacy-open", "new", usd("0.20"), t(7))).isTrue();

        assertThat(accounts.account("legacy-open", USD)).isEqualTo(new Account("legacy-open", usd("4.50"), usd("0")));
        assertLedgerIsConsistentWith(accounts.ledger("legacy-open"), accounts.account("legacy-open", USD));
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static void putLegacy(String user, String entryKey, Map<String, AttributeValue> attributes) {
        Map<String, AttributeValue> item = new HashMap<>(attributes);
        item.put("userId", AttributeValue.fromS(user));
        item.put("entryKey", AttributeValue.fromS(entryKey));
        dynamoDb.putItem(r -> r.tableName(TABLE).item(item));
    }

    static Map<String, AttributeValue> legacyLine(long sequence, String kind, String reference, long amount,
            long balanceAfter, long reservedAfter) {
        Map<String, AttributeValue> line = new HashMap<>();
        line.put("sequence", n(sequence));
        line.put("kind", AttributeValue.fromS(kind));
        line.put("reference", AttributeValue.fromS(reference));
        line.put("amount", n(amount));
        line.put("balanceAfter", n(balanceAfter));
        line.put("reservedAfter", n(reservedAfter));
        line.put("currency", AttributeValue.fromS("USD"));
        line.put("at", AttributeValue.fromS(t(1).toString()));
        return line;
    }

    static void died(Throwable thrown) {
        Throwable cause = thrown;
        while (cause != null && !(cause instanceof Died)) {
            cause = cause.getCause();
        }
        assertThat(cause).as("the process died: %s", thrown).isInstanceOf(Died.class);
    }

    static Map<String, AttributeValue> item(String user, String entryKey) {
        return dynamoDb.getItem(r -> r.tableName(TABLE).consistentRead(true)
                .key(Map.of("userId", AttributeValue.fromS(user), "entryKey", AttributeValue.fromS(entryKey)))).item();
    }

    static List<Map<String, AttributeValue>> items(String user) {
        return dynamoDb.queryPaginator(r -> r.tableName(TABLE).consistentRead(true)
                        .keyConditionExpression("userId = :u").expressionAttributeValues(Map.of(":u", AttributeValue.fromS(user))))
                .items().stream().toList();
    }

    static List<String> keys(String user) {
        return items(user).stream().map(item -> item.get("entryKey").s()).toList();
    }

    /**
     * After every operation has completed: the ledger items are lines 1..version with nothing
     * pending, and every marker stands for the line of its kind and reference.
     */
    static void assertStoredLedgerIsComplete(String user) {
        List<Map<String, AttributeValue>> items = items(user);
        Map<String, AttributeValue> account = items.stream().filter(i -> i.get("entryKey").s().equals("ACCOUNT"))
                .findFirst().orElseThrow();
        long version = Long.parseLong(account.get("version").n());
        assertThat(account.get("pending").m()).isEmpty();
        Map<Long, Map<String, AttributeValue>> lines = new HashMap<>();
        for (Map<String, AttributeValue> item : items) {
            String key = item.get("entryKey").s();
            if (key.startsWith("ledger#")) {
                lines.put(Long.parseLong(key.substring("ledger#".length())), item);
            }
        }
        assertThat(lines.keySet()).as("contiguous 1..version")
                .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, version).boxed().toList());
        for (Map<String, AttributeValue> item : items) {
            String key = item.get("entryKey").s();
            if (key.startsWith("ref#")) {
                Map<String, AttributeValue> line = lines.get(Long.parseLong(item.get("sequence").n()));
                assertThat(line).as("the line of %s", key).isNotNull();
                assertThat(List.of(line.get("kind").s(), line.get("reference").s(), line.get("amount").n()))
                        .containsExactly(item.get("kind").s(), item.get("reference").s(), item.get("amount").n());
            }
        }
        long marked = lines.values().stream().filter(l -> !l.get("kind").s().equals("RELEASE")).count();
        assertThat(items.stream().filter(i -> i.get("entryKey").s().startsWith("ref#"))).as("one marker per line")
                .hasSize((int) marked);
    }

    /**
     * The ledger explains the account: top-ups, settlements and refunds add up to the balance; reservations
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
                case REFUND -> balance += amount; // part of a settlement given back
            }
            assertThat(line.balanceAfter().micros()).as("balance after %s", line).isEqualTo(balance);
            assertThat(line.reservedAfter().micros()).as("reserved after %s", line).isEqualTo(reserved);
            assertThat(balance).as("balance never negative").isNotNegative();
            assertThat(reserved).as("reserved never above balance").isBetween(0L, balance);
        }
        long balanceMovingSum = ledger.stream()
                .filter(e -> e.kind() == Kind.TOP_UP || e.kind() == Kind.SETTLEMENT || e.kind() == Kind.REFUND)
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

    @Test
    void racingReservationsNeverHoldMoneyForMoreCallsThanTheLimitAndAnEndedCallFreesItsPlace() throws Exception {
        accounts.topUp("limited", "t1", usd("100.00"), t(1));
        Accounts.Limits two = new Accounts.Limits(2, Optional.empty());
        List<Callable<Accounts.Reservation>> dials = new ArrayList<>();
        for (int i = 0; i < THREADS * 2; i++) {
            String callId = "dial-" + i;
            dials.add(() -> accounts.reserve("limited", callId, usd("1.00"), usd("0.10"), t(2), two));
        }
        List<Accounts.Reservation> results = runTogether(dials);

        assertThat(results).filteredOn(r -> r instanceof Accounts.Reservation.Reserved).hasSize(2);
        assertThat(results).filteredOn(r -> !(r instanceof Accounts.Reservation.Reserved))
                .allSatisfy(r -> assertThat(r).isEqualTo(new Accounts.Reservation.TooManyCalls(2)));
        assertThat(accounts.account("limited", USD).reserved()).isEqualTo(usd("2.00"));
        assertThat(accounts.ledger("limited")).filteredOn(e -> e.kind() == LedgerEntry.Kind.RESERVATION).hasSize(2);

        String held = accounts.ledger("limited").stream().filter(e -> e.kind() == LedgerEntry.Kind.RESERVATION)
                .findFirst().orElseThrow().reference();
        assertThat(accounts.settle("limited", held, usd("0.40"), t(3))).isTrue();
        assertThat(accounts.reserve("limited", "after-the-end", usd("1.00"), usd("0.10"), t(4), two))
                .isEqualTo(new Accounts.Reservation.Reserved(usd("1.00")));
        assertThat(accounts.reserve("limited", "one-too-many", usd("1.00"), usd("0.10"), t(4), two))
                .isEqualTo(new Accounts.Reservation.TooManyCalls(2));
        assertLedgerIsConsistentWith(accounts.ledger("limited"), accounts.account("limited", USD));
    }

    @Test
    void theDailyCapCountsWhatWasSettledThatUtcDayAndWhatIsHeldAndResetsAtMidnight() {
        accounts.topUp("capped", "t1", usd("100.00"), t(1));
        Instant morning = Instant.parse("2026-11-24T08:00:00Z");
        Accounts.Limits cap = new Accounts.Limits(5, Optional.of(usd("5.00")));

        assertThat(accounts.reserve("capped", "c1", usd("3.00"), usd("0.10"), morning, cap))
                .isEqualTo(new Accounts.Reservation.Reserved(usd("3.00")));
        assertThat(accounts.settle("capped", "c1", usd("2.50"), morning.plusSeconds(60))).isTrue();
        assertThat(accounts.reserve("capped", "c2", usd("3.00"), usd("0.10"), morning.plusSeconds(120), cap))
                .as("what the cap leaves: 5.00 - 2.50 settled").isEqualTo(new Accounts.Reservation.Reserved(usd("2.50")));
        assertThat(accounts.reserve("capped", "c3", usd("3.00"), usd("0.10"), morning.plusSeconds(180), cap))
                .isEqualTo(new Accounts.Reservation.DailySpendReached(usd("5.00"), usd("5.00")));
        assertThat(accounts.release("capped", "c2", morning.plusSeconds(240))).isTrue();
        assertThat(accounts.reserve("capped", "c4", usd("3.00"), usd("0.10"), morning.plusSeconds(300), cap))
                .as("a released hold spent nothing").isEqualTo(new Accounts.Reservation.Reserved(usd("2.50")));
        assertThat(accounts.settle("capped", "c4", usd("2.50"), morning.plusSeconds(360))).isTrue();
        assertThat(accounts.reserve("capped", "c5", usd("3.00"), usd("0.10"), morning.plusSeconds(420), cap))
                .isEqualTo(new Accounts.Reservation.DailySpendReached(usd("5.00"), usd("5.00")));

        Instant nextDay = Instant.parse("2026-11-25T00:00:01Z");
        assertThat(accounts.reserve("capped", "c6", usd("3.00"), usd("0.10"), nextDay, cap))
                .isEqualTo(new Accounts.Reservation.Reserved(usd("3.00")));
        assertThat(accounts.reserve("capped", "c7", usd("3.00"), usd("0.10"), nextDay, Accounts.Limits.NONE))
                .as("no cap, no limit").isEqualTo(new Accounts.Reservation.Reserved(usd("3.00")));
        assertLedgerIsConsistentWith(accounts.ledger("capped"), accounts.account("capped", USD));
    }
}
