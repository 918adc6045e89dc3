package dev.calling.core.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.call.CallCommand.DialNumber;
import dev.calling.core.call.CallCommand.HangUpNumber;
import dev.calling.core.call.CallCommand.ReleaseConnection;
import dev.calling.core.call.CallCommand.ScheduleRingTimeout;
import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallFailed;
import dev.calling.core.call.CallEvent.CallHungUp;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallEvent.CallRinging;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PSTN calls: dial the cheapest carrier, fail over on carrier failure only, keep every attempt. */
class PstnCallStateMachineTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final String NUMBER = "+447400123456";
    final CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));

    static Route.ProviderOption option(String provider) {
        return new Route.ProviderOption(provider, new Rate("44", Money.of("0.01", "USD"), Money.of("0", "USD"),
                BillingIncrement.PER_MINUTE, LocalDate.of(2026, 1, 1)));
    }

    Call dialling(String... providers) {
        Route route = new Route.Pstn(PhoneNumber.parse(NUMBER),
                java.util.Arrays.stream(providers).map(PstnCallStateMachineTest::option).toList());
        return machine.start(new CallRequested("r", "c", T0, "alice", "a1", null, NUMBER), List.of("a1"), route).call();
    }

    static CallFailed failed(int attempt, int sipCode, int second) {
        return new CallFailed("f" + attempt + "-" + sipCode, "c", T0.plusSeconds(second), attempt, 1, sipCode, "carrier says no");
    }

    @Test
    void startDialsTheFirstCarrierAndArmsTheRingTimer() {
        Call call = dialling("alpha", "bravo");

        assertThat(call.state()).isEqualTo(CallState.RINGING);
        assertThat(call.route()).isEqualTo(RouteKind.PSTN);
        assertThat(call.dialledNumber()).isEqualTo(NUMBER);
        assertThat(call.outbox()).containsExactly(new ScheduleRingTimeout("c", T0.plusSeconds(45)),
                new DialNumber("c", 1, "alpha", "alice", "a1", NUMBER, null));
        assertThat(call.attempts()).containsExactly(new Attempt(1, "alpha", T0, null, null, 0));
        assertThat(call.failoverProviders()).containsExactly("bravo");
    }

    @Test
    void carrierFailureMovesTheCallToTheNextCarrier() {
        Outcome outcome = machine.apply(dialling("alpha", "bravo", "charlie"), failed(1, 503, 2));

        Call call = outcome.call();
        assertThat(call.state()).isEqualTo(CallState.RINGING);
        assertThat(legs(outcome)).containsExactly(new HangUpNumber("c", 1, "alpha"),
                new DialNumber("c", 2, "bravo", "alice", "a1", NUMBER, null));
        assertThat(call.attempts()).containsExactly(
                new Attempt(1, "alpha", T0, T0.plusSeconds(2), AttemptOutcome.CARRIER_FAILURE, 503),
                new Attempt(2, "bravo", T0.plusSeconds(2), null, null, 0));
        assertThat(call.failoverProviders()).containsExactly("charlie");
        assertThat(call.lastSwitchSequence()).as("sequence restarts with the attempt").isZero();
    }

    @Test
    void timeoutsAnd408FailOverToo() {
        assertThat(machine.apply(dialling("alpha", "bravo"), failed(1, 0, 2)).call().currentAttempt()).isEqualTo(2);
        assertThat(machine.apply(dialling("alpha", "bravo"), failed(1, 408, 2)).call().currentAttempt()).isEqualTo(2);
    }

    @Test
    void whatTheCalleeDidEndsTheCallWithoutFailover() {
        Call busy = machine.apply(dialling("alpha", "bravo"), failed(1, 486, 2)).call();
        Call declined = machine.apply(dialling("alpha", "bravo"), failed(1, 603, 2)).call();
        Call unavailable = machine.apply(dialling("alpha", "bravo"), failed(1, 480, 2)).call();

        assertThat(busy.endReason()).isEqualTo(EndReason.BUSY);
        assertThat(declined.endReason()).isEqualTo(EndReason.REJECTED);
        assertThat(unavailable.endReason()).isEqualTo(EndReason.UNREACHABLE);
        assertThat(busy.attempts()).hasSize(1);
        assertThat(busy.outbox()).filteredOn(c -> !(c instanceof CallCommand.ChargeCall))
                .containsExactly(new ReleaseConnection("c", "a1"), new HangUpNumber("c", 1, "alpha"));
    }

    @Test
    void theLastCarrierFailingFailsTheCall() {
        Call call = machine.apply(machine.apply(dialling("alpha", "bravo"), failed(1, 503, 2)).call(), failed(2, 500, 4))
                .call();

        assertThat(call.endReason()).isEqualTo(EndReason.FAILED);
        assertThat(call.attempts()).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.CARRIER_FAILURE, AttemptOutcome.CARRIER_FAILURE);
    }

    @Test
    void reportsOfAnAbandonedAttemptAreIgnored() {
        Call onBravo = machine.apply(dialling("alpha", "bravo"), failed(1, 503, 2)).call();

        Outcome late = machine.apply(onBravo, new CallAnswered("late", "c", T0.plusSeconds(3), 1, 2, "alpha-leg"));

        assertThat(late.kind()).isEqualTo(Outcome.Kind.IGNORED);
        assertThat(late.note()).contains("attempt 1", "attempt 2");
    }

    @Test
    void answeredNumberIsBridgedToTheCallerAndHangupEndsBothLegs() {
        Call call = machine.apply(dialling("alpha", "bravo"), failed(1, 503, 2)).call();
        call = machine.apply(call, new CallRinging("r2", "c", T0.plusSeconds(3), 2, 1)).call();
        Outcome answered = machine.apply(call, new CallAnswered("a2", "c", T0.plusSeconds(6), 2, 2, "bravo-leg-7"));

        assertThat(answered.call().state()).isEqualTo(CallState.CONNECTED);
        assertThat(legs(answered)).containsExactly(new CallCommand.BridgeToNumber("c", 2, "bravo", "alice", "a1"));

        Outcome ended = machine.apply(answered.call(), new CallHungUp("h", "c", T0.plusSeconds(66), 2, 3, Party.CALLEE));
        assertThat(ended.call().endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(legs(ended)).containsExactly(new ReleaseConnection("c", "a1"), new HangUpNumber("c", 2, "bravo"));
        assertThat(ended.call().attempts().get(1))
                .isEqualTo(new Attempt(2, "bravo", T0.plusSeconds(2), T0.plusSeconds(66), AttemptOutcome.ANSWERED, 0));
        assertThat(ended.call().timeline()).extracting(TimelineEntry::detail).containsExactly(
                "alice calls " + NUMBER, "dialling " + NUMBER + " via alpha",
                "alpha failed: carrier says no (SIP 503); dialling via bravo", "callee phone ringing",
                "answered via bravo", "COMPLETED (callee hung up)");
    }

    @Test
    void anUnsequencedFailureOfAConnectedCallEndsItHangsTheNumberUpAndChargesTheTalkSoFar() {
        Call call = machine.apply(dialling("alpha", "bravo"), new CallAnswered("a1", "c", T0.plusSeconds(6), 1, 1,
                "alpha-leg")).call();

        Outcome failed = machine.apply(call, new CallFailed("seat", "c", T0.plusSeconds(9), 0, 0, 500,
                "the phone leg could not join the call's meeting"));

        assertThat(failed.call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(legs(failed)).containsExactly(new ReleaseConnection("c", "a1"), new HangUpNumber("c", 1, "alpha"));
        assertThat(failed.commands()).hasAtLeastOneElementOfType(CallCommand.ChargeCall.class)
                .contains(new CallCommand.CheckNumber("c", 1, "alpha", T0.plusSeconds(9))); // we ended it: how did the leg end?
        assertThat(CallDetails.of(failed.call()).talkSeconds()).isEqualTo(3);
    }

    @Test
    void callerCancellingWhileItRingsHangsTheNumberUp() {
        Outcome outcome = machine.apply(dialling("alpha"), new CallHungUp("h", "c", T0.plusSeconds(4), 0, 0, Party.CALLER));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.CANCELLED);
        assertThat(legs(outcome)).containsExactly(new ReleaseConnection("c", "a1"), new HangUpNumber("c", 1, "alpha"));
        assertThat(outcome.call().attempts().get(0).outcome()).isEqualTo(AttemptOutcome.ABANDONED);
    }

    @Test
    void refusedRoutesEndTheCallBeforeAnythingRings() {
        Outcome noProvider = machine.start(new CallRequested("r", "c", T0, "alice", "a1", null, NUMBER), List.of("a1"),
                new Route.Refused(Route.Refusal.NO_PROVIDER, "no carrier for " + NUMBER));

        assertThat(noProvider.call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(legs(noProvider)).containsExactly(new ReleaseConnection("c", "a1"));
    }

    /** The commands for the switch, carriers and ring timer: not billing, the cut-off or the watchdog (tested apart). */
    static List<CallCommand> legs(Outcome outcome) {
        return CallStateMachineTest.legs(outcome);
    }
}
