package dev.calling.core.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.Page;
import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.Accounts;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.LedgerEntry.Kind;
import dev.calling.core.money.Money;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The operator's top-ups and adjustments: what is refused before the ledger is touched, and how outcomes map. */
class AccountAdjustmentsTest {

    static final Currency USD = Currency.getInstance("USD");
    static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    static final String OPERATOR = "arn:aws:iam::111122223333:user/ops-alice";

    /** Records what it is asked and answers what a test says. */
    static final class Recording implements Accounts {
        final List<Adjustment> asked = new ArrayList<>();
        Adjusted answer = new Adjusted.Applied(new Account("ann", Money.of("5", USD), Money.zero(USD)), false);

        public Adjusted adjust(String userId, Adjustment adjustment) {
            asked.add(adjustment);
            return answer;
        }

        public Account account(String userId, Currency currency) { throw new UnsupportedOperationException(); }
        public Account topUp(String userId, String topUpId, Money amount, Instant at) { throw new UnsupportedOperationException(); }
        public Reservation reserve(String u, String c, Money w, Money m, Instant at, Limits l) { throw new UnsupportedOperationException(); }
        public boolean settle(String userId, String callId, Money charged, Instant at) { throw new UnsupportedOperationException(); }
        public boolean release(String userId, String callId, Instant at) { throw new UnsupportedOperationException(); }
        public boolean refund(String userId, String callId, Money charge, Instant at) { throw new UnsupportedOperationException(); }
        public List<LedgerEntry> ledger(String userId) { throw new UnsupportedOperationException(); }
        public Page<LedgerEntry> ledger(String userId, int limit, Optional<String> after) { throw new UnsupportedOperationException(); }
    }

    final Recording accounts = new Recording();
    final AccountAdjustments adjustments = new AccountAdjustments(accounts, USD, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aTopUpIsRecordedWithTheOperatorAndTheReasonAtTheClocksTime() {
        AccountAdjustments.Applied applied = adjustments.topUp(OPERATOR, "ann", "ticket-42", Money.of("5", USD),
                "  paid by bank transfer  ");

        assertThat(accounts.asked).containsExactly(new Accounts.Adjustment(Kind.TOP_UP, "ticket-42", Money.of("5", USD),
                new LedgerEntry.Note("paid by bank transfer", OPERATOR), NOW));
        assertThat(applied.account().balance()).isEqualTo(Money.of("5", USD));
        assertThat(applied.repeated()).isFalse();
    }

    @Test
    void anAdjustmentMayCreditOrDebit() {
        adjustments.adjust(OPERATOR, "ann", "goodwill-1", Money.of("1.50", USD), "dropped call goodwill");
        adjustments.adjust(OPERATOR, "ann", "chargeback-1", Money.of("-2", USD), "card chargeback");

        assertThat(accounts.asked).extracting(Accounts.Adjustment::kind, Accounts.Adjustment::amount)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.ADJUSTMENT, Money.of("1.50", USD)),
                        org.assertj.core.groups.Tuple.tuple(Kind.ADJUSTMENT, Money.of("-2", USD)));
    }

    @Test
    void badRequestsAreRefusedBeforeTheLedgerIsTouched() {
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", "t1", Money.of("-1", USD), "x"), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", "t1", Money.zero(USD), "x"), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.adjust(OPERATOR, "ann", "t1", Money.zero(USD), "x"), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", "t1", Money.of("1", "EUR"), "x"), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", null, Money.of("1", USD), "x"), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", "no spaces", Money.of("1", USD), "x"), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.topUp(OPERATOR, "a/b", "t1", Money.of("1", USD), "x"), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", "t1", Money.of("1", USD), " "), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", "t1", Money.of("1", USD), null), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", "t1", Money.of("1", USD), "a\nb"), Refusal.INVALID_REQUEST);
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", "t1", Money.of("1", USD), "x".repeat(501)),
                Refusal.INVALID_REQUEST);
        assertThatThrownBy(() -> adjustments.topUp(" ", "ann", "t1", Money.of("1", USD), "x"))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(accounts.asked).isEmpty();
    }

    @Test
    void anIdUsedForAnotherOperationAndADebitBeyondWhatIsAvailableAreRefused() {
        accounts.answer = new Accounts.Adjusted.IdReused(Money.of("5", USD), "other");
        assertRefused(() -> adjustments.topUp(OPERATOR, "ann", "t1", Money.of("1", USD), "x"), Refusal.OPERATION_ID_REUSED);

        accounts.answer = new Accounts.Adjusted.NotAvailable(Money.of("0.40", USD));
        assertRefused(() -> adjustments.adjust(OPERATOR, "ann", "t2", Money.of("-1", USD), "x"),
                Refusal.INSUFFICIENT_AVAILABLE_BALANCE);
    }

    @Test
    void aRepeatedOperationSaysSo() {
        accounts.answer = new Accounts.Adjusted.Applied(new Account("ann", Money.of("5", USD), Money.zero(USD)), true);

        assertThat(adjustments.topUp(OPERATOR, "ann", "t1", Money.of("5", USD), "x").repeated()).isTrue();
    }

    static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Refusal refusal) {
        assertThatThrownBy(call).isInstanceOfSatisfying(RequestRefused.class, r -> assertThat(r.refusal()).isEqualTo(refusal));
    }
}
