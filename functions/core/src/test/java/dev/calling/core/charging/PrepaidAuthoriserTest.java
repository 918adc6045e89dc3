package dev.calling.core.charging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.call.CallAuthoriser.Authorisation;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Pricing and reserving before a PSTN call rings; peak and off-peak prices. */
class PrepaidAuthoriserTest {

    static final Currency USD = Currency.getInstance("USD");
    static final Instant TUESDAY_NOON_UTC = Instant.parse("2026-11-24T12:00:00Z");
    static final Instant TUESDAY_NIGHT_UTC = Instant.parse("2026-11-24T23:00:00Z");

    /** The accounts port's contract in memory, enough to drive the authoriser. */
    static final class Wallet implements Accounts {
        final Map<String, Money> balances = new HashMap<>();
        final Map<String, Money> reservations = new HashMap<>();
        final List<String> asked = new ArrayList<>();

        public Account account(String userId, Currency currency) {
            Money reserved = reservations.values().stream().reduce(Money.zero(currency), Money::plus);
            return new Account(userId, balances.getOrDefault(userId, Money.zero(currency)), reserved);
        }

        public Account topUp(String userId, String topUpId, Money amount, Instant at) {
            balances.merge(userId, amount, Money::plus);
            return account(userId, amount.currency());
        }

        public Adjusted adjust(String userId, Adjustment adjustment) {
            throw new UnsupportedOperationException("the authoriser never adjusts");
        }

        public Reservation reserve(String userId, String callId, Money wanted, Money minimum, Instant at,
                Limits limits) {
            asked.add(callId + " wants " + wanted + " at least " + minimum);
            if (reservations.containsKey(callId)) {
                return new Reservation.Reserved(reservations.get(callId));
            }
            if (reservations.size() >= limits.openCalls()) {
                return new Reservation.TooManyCalls(reservations.size());
            }
            Money available = account(userId, wanted.currency()).available();
            Money held = account(userId, wanted.currency()).reserved();
            if (limits.dailySpend().isPresent()) {
                Money room = limits.dailySpend().get().minus(held);
                if (room.compareTo(minimum) < 0) {
                    return new Reservation.DailySpendReached(held, limits.dailySpend().get());
                }
                available = available.compareTo(room) < 0 ? available : room;
            }
            if (available.compareTo(minimum) < 0) {
                return new Reservation.InsufficientFunds(available);
            }
            Money reserved = available.compareTo(wanted) < 0 ? available : wanted;
            reservations.put(callId, reserved);
            return new Reservation.Reserved(reserved);
        }

        public boolean settle(String userId, String callId, Money charged, Instant at) {
            return false;
        }

        public boolean release(String userId, String callId, Instant at) {
            return false;
        }

        public boolean refund(String userId, String callId, Money charge, Instant at) {
            return false;
        }

        public List<LedgerEntry> ledger(String userId) {
            return List.of();
        }

        public dev.calling.core.Page<LedgerEntry> ledger(String userId, int limit, java.util.Optional<String> after) {
            return new dev.calling.core.Page<>(List.of(), java.util.Optional.empty());
        }
    }

    static RateDeck deck(String prefix, String perMinute) {
        return RateDeck.of(List.of(new Rate(prefix, Money.of(perMinute, "USD"), Money.of("0.05", "USD"),
                BillingIncrement.PER_MINUTE, LocalDate.of(2026, 1, 1))));
    }

    final Wallet wallet = new Wallet();
    final PricePlan plan = new PricePlan("standard", USD, deck("44", "0.10"), Optional.of(deck("447", "0.04")),
            PeakHours.weekdays(ZoneId.of("Europe/London"), LocalTime.of(8, 0), LocalTime.of(20, 0)));
    final PrepaidAuthoriser authoriser = new PrepaidAuthoriser(user -> plan, wallet, Duration.ofHours(1));

    static Route.Pstn route(String number) {
        return new Route.Pstn(PhoneNumber.parse(number), List.of(new Route.ProviderOption("alpha",
                new Rate("1", Money.of("0.01", "USD"), Money.of("0", "USD"), BillingIncrement.PER_SECOND,
                        LocalDate.of(2026, 1, 1)))));
    }

    static CallRequested request(String callId, String number) {
        return new CallRequested("e-" + callId, callId, TUESDAY_NOON_UTC, "alice", "a1", null, number);
    }

    @Test
    void reservesAnHourOfTalkWhenTheBalanceAllowsAndLimitsTheCallToIt() {
        wallet.topUp("alice", "t1", Money.of("20", "USD"), TUESDAY_NOON_UTC);

        Authorisation granted = authoriser.authorise(request("c1", "+442079460000"), route("+442079460000"),
                TUESDAY_NOON_UTC);

        var charging = ((Authorisation.Granted) granted).charging();
        assertThat(charging.reserved()).isEqualTo(Money.of("6.05", "USD")); // 0.05 + 60 x 0.10
        assertThat(charging.maxTalkSeconds()).isEqualTo(3600);
    }

    @Test
    void aSmallBalanceBuysFewerMinutesAndTooSmallABalanceIsRefused() {
        wallet.topUp("alice", "t1", Money.of("0.40", "USD"), TUESDAY_NOON_UTC);

        var charging = ((Authorisation.Granted) authoriser.authorise(request("c1", "+442079460000"),
                route("+442079460000"), TUESDAY_NOON_UTC)).charging();
        assertThat(charging.reserved()).isEqualTo(Money.of("0.40", "USD"));
        assertThat(charging.maxTalkSeconds()).isEqualTo(180); // 0.05 + 3 x 0.10 = 0.35 <= 0.40 < 0.45

        Authorisation second = authoriser.authorise(request("c2", "+442079460000"), route("+442079460000"),
                TUESDAY_NOON_UTC);
        assertThat(second).isInstanceOfSatisfying(Authorisation.Refused.class, refused -> {
            assertThat(refused.refusal().reason()).isEqualTo(Route.Refusal.INSUFFICIENT_FUNDS);
            assertThat(refused.refusal().detail()).contains("0.15 USD"); // the first minute with its connect fee
        });
    }

    @Test
    void aDestinationOutsideThePlanIsRefusedWithoutReserving() {
        wallet.topUp("alice", "t1", Money.of("20", "USD"), TUESDAY_NOON_UTC);

        Authorisation refused = authoriser.authorise(request("c1", "+14155550123"), route("+14155550123"),
                TUESDAY_NOON_UTC);

        assertThat(((Authorisation.Refused) refused).refusal().reason()).isEqualTo(Route.Refusal.DESTINATION_NOT_ALLOWED);
        assertThat(wallet.asked).isEmpty();
    }

    @Test
    void offPeakPricesApplyOutsidePeakHoursAndOnlyWhereThePlanHasThem() {
        PhoneNumber mobile = PhoneNumber.parse("+447400123456");
        PhoneNumber landline = PhoneNumber.parse("+442079460000");
        Instant saturdayNoon = Instant.parse("2026-11-28T12:00:00Z");

        assertThat(plan.rateFor(mobile, TUESDAY_NOON_UTC).orElseThrow().perMinute()).isEqualTo(Money.of("0.10", "USD"));
        assertThat(plan.rateFor(mobile, TUESDAY_NIGHT_UTC).orElseThrow().perMinute()).isEqualTo(Money.of("0.04", "USD"));
        assertThat(plan.rateFor(mobile, saturdayNoon).orElseThrow().perMinute()).isEqualTo(Money.of("0.04", "USD"));
        assertThat(plan.rateFor(landline, TUESDAY_NIGHT_UTC).orElseThrow().perMinute())
                .as("no off-peak price: peak applies").isEqualTo(Money.of("0.10", "USD"));
    }

    @Test
    void aThirdPstnCallWhileTwoHoldMoneyIsRefusedForTheConcurrentLimitAndReservesNothing() {
        wallet.topUp("alice", "t1", Money.of("100", "USD"), TUESDAY_NOON_UTC);
        for (String callId : List.of("c1", "c2")) {
            assertThat(authoriser.authorise(request(callId, "+442079460000"), route("+442079460000"), TUESDAY_NOON_UTC))
                    .isInstanceOf(Authorisation.Granted.class);
        }

        Authorisation third = authoriser.authorise(request("c3", "+442079460000"), route("+442079460000"),
                TUESDAY_NOON_UTC);

        assertThat(((Authorisation.Refused) third).refusal().reason()).isEqualTo(Route.Refusal.CONCURRENT_CALL_LIMIT);
        assertThat(((Authorisation.Refused) third).refusal().detail()).contains("2 PSTN call(s) in progress");
        assertThat(wallet.reservations).containsOnlyKeys("c1", "c2");
        // A redelivered request of a call that holds money gets its terms back whatever the limit says.
        assertThat(authoriser.authorise(request("c2", "+442079460000"), route("+442079460000"), TUESDAY_NOON_UTC))
                .isInstanceOf(Authorisation.Granted.class);
    }

    @Test
    void theDailySpendCapBoundsTheReservationAndRefusesOnceNoFirstBlockFitsUnderIt() {
        wallet.topUp("alice", "t1", Money.of("100", "USD"), TUESDAY_NOON_UTC);
        PrepaidAuthoriser capped = new PrepaidAuthoriser(user -> plan.withDailySpendCap(Money.of("7.00", "USD")), wallet,
                Duration.ofHours(1), 5);

        var first = ((Authorisation.Granted) capped.authorise(request("c1", "+442079460000"), route("+442079460000"),
                TUESDAY_NOON_UTC)).charging();
        assertThat(first.reserved()).isEqualTo(Money.of("6.05", "USD"));
        var second = ((Authorisation.Granted) capped.authorise(request("c2", "+442079460000"), route("+442079460000"),
                TUESDAY_NOON_UTC)).charging();
        assertThat(second.reserved()).as("what the cap leaves").isEqualTo(Money.of("0.95", "USD"));
        assertThat(second.maxTalkSeconds()).isEqualTo(540); // 0.05 + 9 minutes x 0.10

        Authorisation third = capped.authorise(request("c3", "+442079460000"), route("+442079460000"), TUESDAY_NOON_UTC);
        assertThat(((Authorisation.Refused) third).refusal().reason()).isEqualTo(Route.Refusal.DAILY_SPEND_LIMIT);
        assertThat(wallet.reservations).containsOnlyKeys("c1", "c2");
    }

    @Test
    void aDailySpendCapInAnotherCurrencyThanThePlanIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> plan.withDailySpendCap(Money.of("5", "EUR")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be in USD");
    }
}
