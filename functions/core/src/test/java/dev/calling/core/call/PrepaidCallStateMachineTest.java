package dev.calling.core.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.call.CallCommand.ChargeCall;
import dev.calling.core.call.CallCommand.HangUpNumber;
import dev.calling.core.call.CallCommand.ReleaseConnection;
import dev.calling.core.call.CallCommand.ScheduleCutOff;
import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallHungUp;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallEvent.CallTimeLimitReached;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Charged PSTN calls: the cut-off timer, the cut-off itself, and the charge of every ended call. */
class PrepaidCallStateMachineTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final String NUMBER = "+447400123456";
    static final Rate RETAIL = new Rate("44", Money.of("0.10", "USD"), Money.of("0.05", "USD"),
            BillingIncrement.PER_MINUTE, LocalDate.of(2026, 1, 1));
    static final Rate CARRIER = new Rate("44", Money.of("0.012", "USD"), Money.of("0", "USD"),
            BillingIncrement.PER_SECOND, LocalDate.of(2026, 1, 1));
    final CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));

    Call dialling(Charging charging) {
        Route route = new Route.Pstn(PhoneNumber.parse(NUMBER), List.of(new Route.ProviderOption("alpha", CARRIER)));
        return machine.start(new CallRequested("r", "c", T0, "alice", "a1", null, NUMBER), List.of("a1"), route,
                charging).call();
    }

    Call connected(Charging charging) {
        return machine.apply(dialling(charging), new CallAnswered("ans", "c", T0.plusSeconds(5), 1, 1, "leg")).call();
    }

    static ChargeCall charge(Call call) {
        return call.outbox().stream().filter(ChargeCall.class::isInstance).map(ChargeCall.class::cast).findFirst()
                .orElseThrow();
    }

    @Test
    void answeringAChargedCallArmsTheCutOffAtTheTalkTimeItsMoneyBuys() {
        Call call = connected(new Charging(RETAIL, Money.of("0.35", "USD"), 180));

        assertThat(call.outbox()).contains(new ScheduleCutOff("c", T0.plusSeconds(5 + 180)));
        assertThat(call.charging().reserved()).isEqualTo(Money.of("0.35", "USD"));
    }

    @Test
    void anUnchargedCallIsCutOffAtTheLongestCall() {
        assertThat(connected(null).outbox()).contains(new ScheduleCutOff("c", T0.plusSeconds(5).plus(
                CallStateMachine.Timing.LONGEST_CALL)));
    }

    @Test
    void hangupChargesTheTalkTimeRoundedToTheIncrementAndRecordsCostAndMargin() {
        Call ended = machine.apply(connected(new Charging(RETAIL, Money.of("0.35", "USD"), 180)),
                new CallHungUp("h", "c", T0.plusSeconds(5 + 61), 1, 2, Party.CALLER)).call();

        ChargeCall charge = charge(ended);
        CallDetailRecord cdr = charge.record();
        assertThat(charge.prepaid()).isTrue();
        assertThat(cdr.talkSeconds()).isEqualTo(61);
        assertThat(cdr.billableSeconds()).isEqualTo(120);
        assertThat(cdr.retail()).isEqualTo(Money.of("0.25", "USD")); // 0.05 + 2 min x 0.10
        assertThat(cdr.carrierCost()).isEqualTo(Money.of("0.0122", "USD")); // 61 s x 0.012/60
        assertThat(cdr.margin()).isEqualTo(Money.of("0.2378", "USD"));
        assertThat(cdr.providerId()).isEqualTo("alpha");
        assertThat(cdr.endReason()).isEqualTo(EndReason.COMPLETED);
    }

    @Test
    void whenTheMoneyRunsOutTheCallIsCutOffAndBothLegsTornDown() {
        Call cut = machine.apply(connected(new Charging(RETAIL, Money.of("0.35", "USD"), 180)),
                CallTimeLimitReached.of("c", T0.plusSeconds(185))).call();

        assertThat(cut.endReason()).isEqualTo(EndReason.CUT_OFF);
        assertThat(cut.outbox()).contains(new ReleaseConnection("c", "a1"), new HangUpNumber("c", 1, "alpha"));
        assertThat(charge(cut).record().retail()).isEqualTo(Money.of("0.35", "USD")); // exactly the reservation
    }

    @Test
    void aLateTearDownIsNeverChargedBeyondWhatWasReserved() {
        Call ended = machine.apply(connected(new Charging(RETAIL, Money.of("0.35", "USD"), 180)),
                new CallHungUp("h", "c", T0.plusSeconds(5 + 200), 1, 2, Party.CALLEE)).call();

        assertThat(charge(ended).record().talkSeconds()).isEqualTo(180);
        assertThat(charge(ended).record().retail()).isEqualTo(Money.of("0.35", "USD"));
    }

    @Test
    void theTimeLimitOfARingingOrEndedCallChangesNothing() {
        Call ringing = dialling(new Charging(RETAIL, Money.of("0.35", "USD"), 180));
        assertThat(machine.apply(ringing, CallTimeLimitReached.of("c", T0.plusSeconds(1))).kind())
                .isEqualTo(Outcome.Kind.IGNORED);
        Call ended = machine.apply(connected(new Charging(RETAIL, Money.of("0.35", "USD"), 180)),
                new CallHungUp("h", "c", T0.plusSeconds(30), 1, 2, Party.CALLER)).call();
        assertThat(machine.apply(ended, CallTimeLimitReached.of("c", T0.plusSeconds(185))).kind())
                .isEqualTo(Outcome.Kind.IGNORED);
    }

    @Test
    void anUnansweredChargedCallChargesNothingAndReleasesItsReservation() {
        Call missed = machine.apply(dialling(new Charging(RETAIL, Money.of("0.35", "USD"), 180)),
                CallEvent.RingTimeoutElapsed.of("c", T0.plusSeconds(45))).call();

        assertThat(charge(missed).prepaid()).isTrue();
        assertThat(charge(missed).record().retail()).isEqualTo(Money.of("0", "USD"));
        assertThat(charge(missed).record().billableSeconds()).isZero();
    }

    @Test
    void insufficientBalanceEndsTheCallBeforeAnythingRings() {
        Outcome refused = machine.start(new CallRequested("r", "c", T0, "alice", "a1", null, NUMBER), List.of("a1"),
                new Route.Refused(Route.Refusal.INSUFFICIENT_FUNDS, "balance 0.01 USD"), null);

        assertThat(refused.call().endReason()).isEqualTo(EndReason.INSUFFICIENT_FUNDS);
        assertThat(refused.commands()).noneMatch(c -> c instanceof CallCommand.DialNumber);
        assertThat(charge(refused.call()).prepaid()).isFalse();
        assertThat(charge(refused.call()).record().route()).isNull();
    }

    @Test
    void voipCallsAreFreeAndStillRecorded() {
        Call call = machine.start(new CallRequested("r", "v", T0, "alice", "a1", "bob"), List.of("a1"),
                new Route.Voip(List.of("b1"), List.of())).call();
        call = machine.apply(call, new CallAnswered("ans", "v", T0.plusSeconds(2), 1, 1, "b1")).call();
        call = machine.apply(call, new CallHungUp("h", "v", T0.plusSeconds(62), 1, 2, Party.CALLEE)).call();

        CallDetailRecord cdr = charge(call).record();
        assertThat(cdr.talkSeconds()).isEqualTo(60);
        assertThat(cdr.retail().micros()).isZero();
        assertThat(cdr.billableSeconds()).isZero();
        assertThat(charge(call).prepaid()).isFalse();
    }
}
