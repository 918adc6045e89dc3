package dev.calling.core.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.call.CallCommand.ChargeCall;
import dev.calling.core.call.CallCommand.HangUpNumber;
import dev.calling.core.call.CallCommand.ReleaseConnection;
import dev.calling.core.call.CallCommand.ScheduleCheck;
import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallCheck;
import dev.calling.core.call.CallEvent.CallHungUp;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallEvent.CallRinging;
import dev.calling.core.call.CallEvent.CallTimeLimitReached;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Faults that never heal: a report lost for good, a party that vanishes, a time that cannot be true, a
 * flood of reports. Every one must end the call with the right money, by a timer, in every state.
 */
class PermanentFaultsCallStateMachineTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final String NUMBER = "+447400123456";
    static final Rate RETAIL = new Rate("44", Money.of("0.10", "USD"), Money.of("0", "USD"),
            BillingIncrement.PER_SECOND, LocalDate.of(2026, 1, 1));
    final CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));

    Call pstnConnected() {
        Route route = new Route.Pstn(PhoneNumber.parse(NUMBER), List.of(new Route.ProviderOption("alpha", RETAIL)));
        Call call = machine.start(new CallRequested("r", "c", T0, "alice", "a1", null, NUMBER), List.of("a1"), route,
                new Charging(RETAIL, Money.of("72.00", "USD"), 43_200)).call();
        call = machine.apply(call, new CallRinging("s1", "c", T0.plusSeconds(1), 1, 1)).call();
        return machine.apply(call, new CallAnswered("s2", "c", T0.plusSeconds(5), 1, 2, "leg")).call();
    }

    Call voipConnected() {
        Call call = machine.start(new CallRequested("r", "v", T0, "alice", "a1", "bob"), List.of("a1"),
                new Route.Voip(List.of("b1"), List.of())).call();
        return machine.apply(call, new CallAnswered("s1", "v", T0.plusSeconds(5), 1, 1, "b1")).call();
    }

    static ChargeCall charge(Outcome outcome) {
        return outcome.commands().stream().filter(ChargeCall.class::isInstance).map(ChargeCall.class::cast)
                .findFirst().orElseThrow();
    }

    @Test
    void aReportLostAfterTheAnswerIsTakenAsLostByTheWatchdogAndTheHangUpBillsOnlyTheTalk() {
        Call call = pstnConnected(); // report #3 is lost for good; the hang-up (#4) waits behind it
        call = machine.apply(call, new CallHungUp("s4", "c", T0.plusSeconds(65), 1, 4, Party.CALLEE)).call();
        assertThat(call.state()).isEqualTo(CallState.CONNECTED);

        Outcome tooSoon = machine.check(call, CallCheck.due("c", T0.plusSeconds(70)), Set.of());
        assertThat(tooSoon.call().state()).isEqualTo(CallState.CONNECTED); // it may still come
        Outcome check = machine.check(call, CallCheck.due("c", T0.plusSeconds(65).plus(
                CallStateMachine.Timing.REPORT_WAIT)), Set.of());

        assertThat(check.call().endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(check.call().endedAt()).isEqualTo(T0.plusSeconds(65));
        assertThat(charge(check).record().retail()).isEqualTo(Money.of("0.10", "USD")); // 60 s, not the 72.00 reserved
    }

    @Test
    void theWatchdogOfAConnectedPstnCallAsksTheCarrierWhetherTheLegIsStillUp() {
        Outcome check = machine.check(pstnConnected(), CallCheck.due("c", T0.plusSeconds(65)), Set.of());

        assertThat(check.kind()).isEqualTo(Outcome.Kind.CHECKED);
        assertThat(check.commands()).containsExactly(new ScheduleCheck("c", T0.plusSeconds(125)),
                new CallCommand.CheckNumber("c", 1, "alpha", T0.plusSeconds(65)));
    }

    /**
     * Found by the full fault run: every check of a call was the same message, so the FIFO queue's five-minute
     * content deduplication (the switch-commands queue's id is the body's hash) dropped all but the first, and a hang-up report lost after it was found only at the cut-off.
     */
    @Test
    void eachWatchdogRoundAsksWithItsOwnMessageAndARedeliveredRoundWithTheSameOne() {
        Call call = pstnConnected();
        CallCheck first = CallCheck.due("c", T0.plusSeconds(65));
        CallCheck second = CallCheck.due("c", T0.plusSeconds(125));

        CallCommand asked = machine.check(call, first, Set.of()).commands().get(1); // its body is its fields
        assertThat(asked).isEqualTo(machine.check(call, first, Set.of()).commands().get(1));
        assertThat(asked).isNotEqualTo(machine.check(call, second, Set.of()).commands().get(1));
    }

    @Test
    void aHangUpTheCarrierReportsOnAskingEndsTheCallAtTheCarriersTime() {
        Outcome outcome = machine.apply(pstnConnected(), new CallHungUp("c:1:leg-ended", "c", T0.plusSeconds(65), 0, 0,
                Party.CALLEE));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(charge(outcome).record().talkSeconds()).isEqualTo(60);
    }

    @Test
    void aVoipCallIsCutOffAtTheLongestCallAndBilledNothing() {
        Call call = voipConnected();
        Instant cutOff = T0.plusSeconds(5).plus(CallStateMachine.Timing.LONGEST_CALL);
        assertThat(call.outbox()).contains(new CallCommand.ScheduleCutOff("v", cutOff));
        assertThat(call.checkBy()).isEqualTo(cutOff);

        Outcome outcome = machine.apply(call, CallTimeLimitReached.of("v", cutOff));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.CUT_OFF);
        assertThat(outcome.call().timeline().get(outcome.call().timeline().size() - 1).detail())
                .contains("the longest call is 240 min");
        assertThat(charge(outcome).prepaid()).isFalse();
    }

    @Test
    void theSweeperEndsAConnectedCallWhoseTimersWereLostAtItsCutOffTimeNotLater() {
        Call call = voipConnected();
        Instant cutOff = T0.plusSeconds(5).plus(CallStateMachine.Timing.LONGEST_CALL);

        Outcome outcome = machine.check(call, CallCheck.sweep("v", cutOff.plusSeconds(600)), Set.of());

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.CUT_OFF);
        assertThat(outcome.call().endedAt()).isEqualTo(cutOff);
        assertThat(outcome.commands()).noneMatch(ScheduleCheck.class::isInstance); // only the timer re-arms
    }

    @Test
    void theSweeperEndsACallStillRingingPastItsRingTimeoutAsMissed() {
        Call ringing = machine.start(new CallRequested("r", "v", T0, "alice", "a1", "bob"), List.of("a1"),
                new Route.Voip(List.of("b1"), List.of())).call();

        assertThat(machine.check(ringing, CallCheck.sweep("v", T0.plusSeconds(30)), Set.of()).kind())
                .isEqualTo(Outcome.Kind.IGNORED);
        Outcome late = machine.check(ringing, CallCheck.sweep("v", T0.plusSeconds(400)), Set.of());

        assertThat(late.call().endReason()).isEqualTo(EndReason.MISSED);
        assertThat(late.call().endedAt()).isEqualTo(T0.plusSeconds(45));
    }

    @Test
    void aCheckOfAnEndedCallSettlesFirstThenTearsTheLegsDownAgain() {
        Call ended = machine.apply(pstnConnected(), new CallHungUp("h", "c", T0.plusSeconds(35), 0, 0, Party.CALLER))
                .call();

        Outcome check = machine.check(ended, CallCheck.sweep("c", T0.plusSeconds(900)), Set.of());

        assertThat(check.kind()).isEqualTo(Outcome.Kind.CHECKED);
        assertThat(check.commands()).hasSize(3);
        assertThat(check.commands().get(0)).isInstanceOf(ChargeCall.class);
        assertThat(check.commands()).contains(new ReleaseConnection("c", "a1"), new HangUpNumber("c", 1, "alpha"));
        assertThat(charge(check).record()).isEqualTo(((ChargeCall) ended.outbox().get(0)).record());
    }

    @Test
    void aPartyWhoseAppVanishedEndsTheCallAndTheTalkUntilThenIsBilled() {
        Outcome outcome = machine.check(pstnConnected(), CallCheck.due("c", T0.plusSeconds(65)), Set.of(Party.CALLER));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(charge(outcome).record().talkSeconds()).isEqualTo(60);
        assertThat(outcome.commands()).contains(new HangUpNumber("c", 1, "alpha"));
    }

    @Test
    void aHangUpStampedBeforeTheAnswerEndsTheCallAtTheAnswerNotBeforeIt() {
        Outcome outcome = machine.apply(pstnConnected(),
                new CallHungUp("h", "c", Instant.parse("2000-01-01T00:00:00Z"), 0, 0, Party.CALLER));

        assertThat(outcome.call().endedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(charge(outcome).record().talkSeconds()).isZero();
    }

    @Test
    void aFloodOfReportsBehindAGapNeitherWaitsForeverNorGrowsTheRecord() {
        Call call = pstnConnected();
        for (int i = 0; i < 200; i++) {
            call = machine.apply(call, new CallRinging("flood-" + i, "c", T0.plusSeconds(6 + i), 1, 4 + i)).call();
        }

        assertThat(call.deferred()).hasSizeLessThanOrEqualTo(Call.WAITING_REPORTS);
        assertThat(call.timeline()).hasSizeLessThanOrEqualTo(Call.TIMELINE_LINES);
        assertThat(call.timeline().get(0).detail()).isEqualTo("alice calls " + NUMBER);
        assertThat(call.earlier()).hasSizeLessThanOrEqualTo(Call.EARLIER_HANDLINGS);
    }

    // --- a bill revised by the carrier's late word ---------------------------------------------

    static CallCommand.ReviseCharge revision(Outcome outcome) {
        return outcome.commands().stream().filter(CallCommand.ReviseCharge.class::isInstance)
                .map(CallCommand.ReviseCharge.class::cast).findFirst().orElseThrow();
    }

    /** Connected at T0+5, the callee's hang-up at T0+65 lost for good, every check failed: cut off at 4 h. */
    Call cutOff() {
        Instant cutOff = T0.plusSeconds(5).plus(CallStateMachine.Timing.LONGEST_CALL);
        return machine.apply(pstnConnected(), CallTimeLimitReached.of("c", cutOff)).call();
    }

    @Test
    void aCallWeCutOffAsksTheCarrierOnceMoreHowItsLegEnded() {
        Call ended = cutOff();

        assertThat(ended.endReason()).isEqualTo(EndReason.CUT_OFF);
        assertThat(ended.outbox()).containsSubsequence(new HangUpNumber("c", 1, "alpha"),
                new CallCommand.CheckNumber("c", 1, "alpha", ended.endedAt()));
        Call hungUp = machine.apply(pstnConnected(), new CallHungUp("h", "c", T0.plusSeconds(65), 0, 0, Party.CALLER))
                .call();
        assertThat(hungUp.outbox()).noneMatch(CallCommand.CheckNumber.class::isInstance); // a party's word ends it
    }

    @Test
    void aCarrierThatSaysTheLegEndedLongBeforeTheCutOffRevisesTheBillToThatEndOnce() {
        Call ended = cutOff();
        CallHungUp legEnded = new CallCommand.CheckNumber("c", 1, "alpha").legEnded(T0.plusSeconds(65));

        Outcome revised = machine.apply(ended, legEnded);

        assertThat(revised.kind()).isEqualTo(Outcome.Kind.APPLIED);
        assertThat(revised.call().endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(revised.call().endedAt()).isEqualTo(T0.plusSeconds(65));
        assertThat(revised.call().attempts().get(0).endedAt()).isEqualTo(T0.plusSeconds(65));
        assertThat(revised.commands().get(0)).isInstanceOf(ChargeCall.class); // settles at the new price if not yet
        assertThat(charge(revised).record().talkSeconds()).isEqualTo(60);
        assertThat(revision(revised).revised().talkSeconds()).isEqualTo(60);
        assertThat(revision(revised).revised().retail()).isEqualTo(Money.of("0.10", "USD"));
        assertThat(revision(revised).prepaid()).isTrue();
        assertThat(revised.call().timeline().get(revised.call().timeline().size() - 1).detail())
                .contains("the carrier says the callee hung up then").contains("CUT_OFF").contains("14400 s");

        Outcome again = machine.apply(revised.call(), legEnded); // redelivered: the refund may not have got through
        assertThat(again.kind()).isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(revision(again)).isEqualTo(revision(revised));
        Outcome other = machine.apply(revised.call(), new CallHungUp("other", "c", T0.plusSeconds(20), 1, 0,
                Party.CALLEE));
        assertThat(other.kind()).isEqualTo(Outcome.Kind.IGNORED); // revised once: it ended COMPLETED now
    }

    @Test
    void aCallWhoseAppVanishedIsRevisedTooButNotBeforeItsAnswer() {
        Call failed = machine.check(pstnConnected(), CallCheck.due("c", T0.plusSeconds(65)), Set.of(Party.CALLER))
                .call();

        Outcome revised = machine.apply(failed, new CallCommand.CheckNumber("c", 1, "alpha").legEnded(T0));

        assertThat(revised.call().endedAt()).isEqualTo(T0.plusSeconds(5)); // the answer, not the carrier's T0
        assertThat(revision(revised).revised().talkSeconds()).isZero();
    }

    @Test
    void noRevisionWithinTheClockMarginForAnotherAttemptOrForACallAPartyEnded() {
        Call ended = cutOff();
        Instant cutOffAt = ended.endedAt();
        CallCommand.CheckNumber check = new CallCommand.CheckNumber("c", 1, "alpha");

        assertThat(machine.apply(ended, check.legEnded(cutOffAt.minusSeconds(4))).kind())
                .isEqualTo(Outcome.Kind.IGNORED); // the carrier's clock, a few seconds off: noise
        assertThat(machine.apply(ended, new CallCommand.CheckNumber("c", 2, "alpha").legEnded(T0.plusSeconds(65)))
                .kind()).isEqualTo(Outcome.Kind.IGNORED); // not the call's leg
        Call hungUp = machine.apply(pstnConnected(), new CallHungUp("h", "c", T0.plusSeconds(600), 0, 0, Party.CALLER))
                .call();
        assertThat(machine.apply(hungUp, check.legEnded(T0.plusSeconds(65))).kind())
                .isEqualTo(Outcome.Kind.IGNORED); // the caller's own hang-up is the call's end
    }
}
