package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.Party;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.PricePlan;
import dev.calling.core.money.Money;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prepaid charging end to end through the real queues and dynalite: a completed call is
 * settled once whatever the delivery does, concurrent calls cannot overdraw a balance, a call
 * whose money runs out is cut off with both legs torn down, and a balance that cannot pay the
 * first block refuses the call before it rings. Prices: 0.60 per minute billed per second, so
 * 0.01 buys one second.
 */
class ChargingIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(40);
    static final Currency USD = Currency.getInstance("USD");
    static LocalSystem system;
    static SimulatedSwitch sw;
    static final AtomicInteger users = new AtomicInteger();

    @BeforeAll
    static void start() {
        PricePlan plan = UkPerSecond.plan();
        Provider carrier = UkPerSecond.carrier(100);
        List<Subscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            subscribers.add(new Subscriber("payer-" + i, Optional.empty(), RoutingPlan.withPstn(List.of())));
        }
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(8))
                .withRetryAfter(Duration.ofSeconds(1))
                .withPstn(subscribers, List.of(carrier), ProviderHealth.Policy.defaults())
                .withCharging(plan, Duration.ofMinutes(10)));
        sw = system.simulatedSwitch();
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    /** A fresh payer with {@code balance}, online. */
    static Device payer(String balance) {
        String user = "payer-" + users.getAndIncrement();
        if (Money.of(balance, "USD").micros() > 0) {
            system.accounts().topUp(user, user + "-top-up", Money.of(balance, "USD"), Instant.now());
        }
        Device device = sw.connect(user, "phone");
        system.awaitLive(device, WAIT);
        return device;
    }

    static String line(RingResponse response) {
        String number = "+4420794" + String.format("%05d", users.get() * 10 + (int) (Math.random() * 9));
        sw.phoneLine(PhoneNumber.parse(number).e164(), response);
        return number;
    }

    static Account account(Device device) {
        return system.accounts().account(device.userId(), USD);
    }

    static List<LedgerEntry> ledger(Device device, LedgerEntry.Kind kind) {
        return system.accounts().ledger(device.userId()).stream().filter(e -> e.kind() == kind).toList();
    }

    @Test
    void aCompletedCallIsChargedOnceAndTheRestOfItsReservationReleased() {
        Device caller = payer("5.00");
        String number = line(RingResponse.answerAfter(Duration.ofMillis(300)));

        Call call = system.awaitEnded(caller.dial(number, CallerScript.hangUpAfterTalking(Duration.ofMillis(2500))), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
        CallDetailRecord cdr = awaitRecord(call.callId());
        assertThat(cdr.talkSeconds()).isBetween(2L, 5L);
        assertThat(cdr.retail()).isEqualTo(Money.of("0.01", "USD").times(cdr.talkSeconds()));
        assertThat(ledger(caller, LedgerEntry.Kind.SETTLEMENT)).singleElement()
                .extracting(LedgerEntry::amount).isEqualTo(negate(cdr.retail()));
        assertThat(ledger(caller, LedgerEntry.Kind.RELEASE)).hasSize(1);
        assertThat(account(caller).balance()).isEqualTo(Money.of("5.00", "USD").minus(cdr.retail()));
        assertThat(account(caller).reserved().micros()).isZero();

        // What operators see of it: the call state manager's Embedded Metric Format lines.
        JsonNode ended = metric(call.callId(), "Calls");
        assertThat(ended.path("Route").asText()).isEqualTo("PSTN");
        assertThat(ended.path("EndReason").asText()).isEqualTo("COMPLETED");
        assertThat(ended.at("/_aws/CloudWatchMetrics/0/Dimensions").toString()).isEqualTo("[[\"Route\",\"EndReason\"],[]]");
        assertThat(ended.path("TalkSeconds").asLong()).isEqualTo(cdr.talkSeconds());
        assertThat(metric(call.callId(), "RequestToRing").path("RequestToRing").asLong()).isPositive();
        JsonNode bridged = metric(call.callId(), "AnswerToBridge"); // once: the answer was applied once
        assertThat(bridged.path("Route").asText()).isEqualTo("PSTN");
        assertThat(bridged.path("AnswerToBridge").asLong()).isNotNegative();
        JsonNode carrier = metric(call.callId(), "CarrierAttempts");
        assertThat(carrier.path("Carrier").asText()).isEqualTo(cdr.providerId());
        assertThat(carrier.path("CarrierAnswered").asInt()).isEqualTo(1);
        assertThat(carrier.path("CarrierFailures").asInt()).isZero();
        assertThat(metric(call.callId(), "MoneySettled").path("MoneySettled").decimalValue())
                .isEqualByComparingTo(cdr.retail().toBigDecimal());
        assertThat(metric(call.callId(), "MoneyReserved").path("Currency").asText()).isEqualTo("USD");
        assertThat(String.join("\n", metricLines(call.callId()))).as("no number, no user in a metric")
                .doesNotContain(number).doesNotContain(caller.userId());
    }

    static List<String> metricLines(String callId) {
        return system.metricLines().stream().filter(line -> line.contains("\"callId\":\"" + callId + "\"")).toList();
    }

    /** The one metric line of the call that holds {@code metric}. */
    static JsonNode metric(String callId, String metric) {
        List<JsonNode> found = metricLines(callId).stream().map(line -> {
            try {
                return AppClient.JSON.readTree(line);
            } catch (java.io.IOException e) {
                throw new AssertionError(line, e);
            }
        }).filter(line -> line.has(metric)).toList();
        assertThat(found).as(metric + " of " + callId).hasSize(1);
        return found.get(0);
    }

    @Test
    void duplicatedAndRedeliveredEndEventsChargeNothingTwice() throws Exception {
        Device caller = payer("5.00");
        String number = line(RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofSeconds(2)));
        Call call = system.awaitEnded(caller.dial(number, CallerScript.waitForOtherSide()), WAIT);
        awaitRecord(call.callId()); // settled before its record is kept
        Account after = account(caller);
        assertThat(after.reserved().micros()).isZero();

        // the carrier's hangup again (a redelivery keeps its id), a duplicate under a new id, a late caller hangup
        CallEvent.CallHungUp again = new CallEvent.CallHungUp("dup-" + call.callId(), call.callId(), Instant.now(), 1,
                call.lastSwitchSequence(), Party.CALLEE);
        system.publisher().publish(again);
        system.publisher().publish(again);
        system.publisher().publish(new CallEvent.CallHungUp("late-" + call.callId(), call.callId(), Instant.now(), 0, 0,
                Party.CALLER));
        Thread.sleep(3000);

        assertThat(ledger(caller, LedgerEntry.Kind.SETTLEMENT)).hasSize(1);
        assertThat(account(caller)).isEqualTo(after);
        assertThat(system.call(call.callId()).orElseThrow().version()).isEqualTo(call.version());
        metric(call.callId(), "Calls"); // counted once
        metric(call.callId(), "MoneySettled");
    }

    @Test
    void twoConcurrentCallsCannotSpendTheSameMoney() {
        Device caller = payer("0.03");
        Device second = sw.connect(caller.userId(), "tablet");
        system.awaitLive(second, WAIT);
        String first = line(RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofSeconds(2)));
        String other = line(RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofSeconds(2)));

        String a = caller.dial(first, CallerScript.waitForOtherSide());
        system.awaitState(a, dev.calling.core.call.CallState.CONNECTED, WAIT); // the first call is on
        String b = second.dial(other, CallerScript.waitForOtherSide());
        List<Call> calls = List.of(system.awaitEnded(a, WAIT), system.awaitEnded(b, WAIT));

        assertThat(calls).as(system.accounts().ledger(caller.userId()).toString())
                .extracting(Call::endReason).containsOnlyOnce(EndReason.INSUFFICIENT_FUNDS);
        assertThat(account(caller).balance().isNegative()).isFalse();
        assertThat(ledger(caller, LedgerEntry.Kind.RESERVATION)).hasSize(1);
    }

    @Test
    void whenTheMoneyRunsOutTheCallIsCutOffAndBothLegsEnd() {
        Device caller = payer("0.03"); // three seconds
        String number = line(RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofSeconds(60)));

        Call call = system.awaitEnded(caller.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.CUT_OFF);
        LocalSystem.awaitCondition(WAIT, () -> sw.tornDown(call.callId()).size() == 2, "both legs torn down");
        assertThat(sw.tornDown(call.callId())).containsExactlyInAnyOrder(caller.connectionId(),
                "pstn-uk-carrier-" + call.callId() + "-1");
        CallDetailRecord cdr = awaitRecord(call.callId());
        assertThat(cdr.talkSeconds()).isEqualTo(3);
        assertThat(cdr.retail()).isEqualTo(Money.of("0.03", "USD"));
        assertThat(account(caller).balance().micros()).isZero();
        assertThat(account(caller).reserved().micros()).isZero();
    }

    /**
     * The callee hangs up after 2 s and the carrier's report of it is lost for good; no watchdog check comes
     * before the cut-off (the check interval is longer than the 15 s the money buys), so the call is cut off
     * and settled for 15 s. The cut-off asks the carrier how the leg ended: it ended at 2 s, so the call is
     * revised (COMPLETED then) and the caller gets back what the settlement took above the revised price.
     */
    @Test
    void aCallCutOffAfterItsHangUpReportWasLostIsRevisedToTheCarriersEndAndTheDifferenceRefunded() {
        Device caller = payer("0.15"); // fifteen seconds
        String number = line(RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofSeconds(2)));
        java.util.Set<String> losing = java.util.concurrent.ConcurrentHashMap.newKeySet();
        sw.routeReports(publish -> event -> {
            if (!(event instanceof CallEvent.CallHungUp && losing.contains(event.callId()))) {
                publish.accept(event);
            }
        });
        try {
            String callId = caller.dial(number, CallerScript.waitForOtherSide());
            losing.add(callId); // before the hang-up: it comes 2 s after the answer

            Call cutOff = system.awaitEnded(callId, WAIT);
            assertThat(cutOff.endReason()).isEqualTo(EndReason.CUT_OFF);
            LocalSystem.awaitCondition(WAIT, () -> system.call(callId).map(Call::endReason)
                    .filter(EndReason.COMPLETED::equals).isPresent(), "the call revised to the carrier's end");
            LocalSystem.awaitCondition(WAIT, () -> awaitRecord(callId).talkSeconds() < 15, "the revised record");

            CallDetailRecord cdr = awaitRecord(callId);
            assertThat(cdr.endReason()).isEqualTo(EndReason.COMPLETED);
            assertThat(cdr.talkSeconds()).isBetween(2L, 4L);
            assertThat(ledger(caller, LedgerEntry.Kind.SETTLEMENT)).singleElement()
                    .extracting(LedgerEntry::amount).isEqualTo(Money.of("-0.15", "USD"));
            assertThat(ledger(caller, LedgerEntry.Kind.REFUND)).singleElement()
                    .extracting(LedgerEntry::amount).isEqualTo(Money.of("0.15", "USD").minus(cdr.retail()));
            assertThat(account(caller).balance()).isEqualTo(Money.of("0.15", "USD").minus(cdr.retail()));
            assertThat(account(caller).reserved().micros()).isZero();
            assertThat(metric(callId, "MoneyRefunded").path("MoneyRefunded").decimalValue())
                    .isEqualByComparingTo(Money.of("0.15", "USD").minus(cdr.retail()).toBigDecimal());
        } finally {
            sw.routeReports(publish -> publish);
        }
    }

    @Test
    void aBalanceThatCannotPayTheFirstSecondRefusesTheCallBeforeItRings() {
        Device caller = payer("0.00");
        String number = line(RingResponse.answerAfter(Duration.ofMillis(300)));

        Call call = system.awaitEnded(caller.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.INSUFFICIENT_FUNDS);
        assertThat(call.attempts()).isEmpty();
        assertThat(system.accounts().ledger(caller.userId())).as("nothing reserved").isEmpty();
        assertThat(awaitRecord(call.callId()).retail().micros()).isZero();
    }

    static Money negate(Money money) {
        return Money.zero(money.currency()).minus(money);
    }

    static CallDetailRecord awaitRecord(String callId) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            List<CallDetailRecord> found = new ArrayList<>();
            LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
            for (LocalDate day : List.of(today.minusDays(1), today)) {
                system.callDetailRecords().forEachEndedOn(day, cdr -> {
                    if (cdr.callId().equals(callId)) {
                        found.add(cdr);
                    }
                });
            }
            if (!found.isEmpty()) {
                return found.get(0);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("no call detail record for " + callId);
    }
}
