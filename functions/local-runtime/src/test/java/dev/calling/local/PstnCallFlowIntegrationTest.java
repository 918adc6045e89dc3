package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PSTN calls end to end through the real queues and dynalite: least-cost carrier choice,
 * failover on a carrier's 503 (never on the callee's busy), and a carrier skipped once its
 * circuit breaker opens. Each destination country has its own carriers so tests do not interfere.
 */
class PstnCallFlowIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final ProviderHealth.Policy BREAKER = new ProviderHealth.Policy(10, 2, 0.5, Duration.ofMinutes(10));
    static LocalSystem system;
    static SimulatedSwitch sw;
    static Device alice;

    static Provider carrier(String id, String prefix, String perMinute) {
        return new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of(new Rate(prefix, Money.of(perMinute, "USD"),
                Money.of("0", "USD"), BillingIncrement.PER_MINUTE, LocalDate.of(2020, 1, 1)))), 100, true, 50);
    }

    @BeforeAll
    static void start() {
        List<Provider> carriers = List.of(
                carrier("uk-cheap", "44", "0.0100"), carrier("uk-dear", "44", "0.0300"),
                carrier("fr-failing", "33", "0.0100"), carrier("fr-backup", "33", "0.0200"),
                carrier("de-flaky", "49", "0.0100"), carrier("de-steady", "49", "0.0200"));
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(5))
                .withRetryAfter(Duration.ofSeconds(1))
                .withPstn(List.of(
                        new Subscriber("alice-pstn", Optional.empty(), RoutingPlan.withPstn(List.of("4490"))),
                        new Subscriber("nina-pstn", Optional.of(PhoneNumber.parse("+447400123777")),
                                RoutingPlan.voipOnly())), carriers, BREAKER));
        sw = system.simulatedSwitch();
        sw.carrier("fr-failing", new SimulatedSwitch.CarrierBehaviour.FailsWith(503, Duration.ofMillis(200)));
        sw.carrier("de-flaky", new SimulatedSwitch.CarrierBehaviour.FailsWith(503, Duration.ofMillis(100)));
        system.accounts().topUp("alice-pstn", "test-top-up", Money.of("100", "USD"), java.time.Instant.now());
        alice = sw.connect("alice-pstn", "phone");
        system.awaitLive(alice, WAIT);
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    static String uniqueNumber(String prefix) {
        return prefix + String.format("%06d", Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000));
    }

    static List<String> providers(Call call) {
        return call.attempts().stream().map(Attempt::providerId).toList();
    }

    @Test
    void dialledNumberGoesThroughTheCheapestCarrier() {
        String number = uniqueNumber("+447400");
        sw.phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofMillis(500)));

        Call call = system.awaitEnded(alice.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.route()).isEqualTo(RouteKind.PSTN);
        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(providers(call)).containsExactly("uk-cheap");
        assertThat(call.attempts().get(0).outcome()).isEqualTo(AttemptOutcome.ANSWERED);
    }

    @Test
    void carrierFailureFailsOverToTheNextCarrierAndTheCallConnects() {
        String number = uniqueNumber("+33612");
        sw.phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofMillis(300)));

        Call call = system.awaitEnded(alice.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(call.attempts()).extracting(Attempt::providerId, Attempt::outcome, Attempt::sipCode).containsExactly(
                org.assertj.core.groups.Tuple.tuple("fr-failing", AttemptOutcome.CARRIER_FAILURE, 503),
                org.assertj.core.groups.Tuple.tuple("fr-backup", AttemptOutcome.ANSWERED, 0));
    }

    @Test
    void busyNumberEndsTheCallWithoutTryingAnotherCarrier() {
        String number = uniqueNumber("+447401");
        sw.phoneLine(number, new RingResponse.Busy());

        Call call = system.awaitEnded(alice.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.BUSY);
        assertThat(call.attempts()).extracting(Attempt::providerId, Attempt::sipCode)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("uk-cheap", 486));
    }

    @Test
    void carrierWithARunOfFailuresIsSkippedAfterwards() {
        for (int i = 0; i < 2; i++) {
            String number = uniqueNumber("+4915112");
            sw.phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(100), Duration.ofMillis(100)));
            assertThat(providers(system.awaitEnded(alice.dial(number, CallerScript.waitForOtherSide()), WAIT)))
                    .containsExactly("de-flaky", "de-steady");
        }
        String number = uniqueNumber("+4915112");
        sw.phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(100), Duration.ofMillis(100)));

        Call call = system.awaitEnded(alice.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(providers(call)).as("de-flaky's breaker is open").containsExactly("de-steady");
        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
    }

    @Test
    void offlineUserWithAPhoneNumberIsCalledOverPstn() {
        sw.phoneLine("+447400123777", RingResponse.answerAfter(Duration.ofMillis(200), Duration.ofMillis(200)));

        Call call = system.awaitEnded(alice.call("nina-pstn", CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.route()).isEqualTo(RouteKind.PSTN);
        assertThat(call.dialledNumber()).isEqualTo("+447400123777");
        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
    }

    @Test
    void barredOrInvalidNumbersAreRefusedBeforeAnythingRings() {
        Call barred = system.awaitEnded(alice.dial(uniqueNumber("+449098"), CallerScript.waitForOtherSide()), WAIT);
        Call invalid = system.awaitEnded(alice.dial("+44 12", CallerScript.waitForOtherSide()), WAIT);

        assertThat(barred.endReason()).isEqualTo(EndReason.FAILED);
        assertThat(barred.attempts()).isEmpty();
        assertThat(invalid.endReason()).isEqualTo(EndReason.FAILED);
        assertThat(invalid.timeline().get(1).detail()).contains("invalid phone number");
    }
}
