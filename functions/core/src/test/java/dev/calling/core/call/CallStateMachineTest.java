package dev.calling.core.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.call.CallCommand.BridgeConnections;
import dev.calling.core.call.CallCommand.ReleaseConnection;
import dev.calling.core.call.CallCommand.RingCallee;
import dev.calling.core.call.CallCommand.ScheduleRingTimeout;
import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallDeclined;
import dev.calling.core.call.CallEvent.CallFailed;
import dev.calling.core.call.CallEvent.CallHungUp;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallEvent.CallRinging;
import dev.calling.core.call.CallEvent.CalleeBusy;
import dev.calling.core.call.CallEvent.RingTimeoutElapsed;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallStateMachineTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    final CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));

    /** What VoIP-only routing answers for bob with these live connections. */
    static Route voip(String... connections) {
        return connections.length == 0
                ? new Route.Refused(Route.Refusal.UNREACHABLE, "bob has no live connection")
                : new Route.Voip(List.of(connections), List.of());
    }

    CallRequested request() {
        return new CallRequested("e-req", "call-1", T0, "alice", "a1", "bob");
    }

    Call ringing() {
        Outcome started = machine.start(request(), List.of("a1"), voip("b1", "b2"));
        return started.call();
    }

    static CallEvent ringingReport() {
        return new CallRinging("e-ring", "call-1", T0.plusSeconds(1), 1, 1);
    }

    static CallEvent answer(long seq) {
        return new CallAnswered("e-ans", "call-1", T0.plusSeconds(5), seq == 0 ? 0 : 1, seq, "b2");
    }

    static CallEvent hangup(long seq, Party party, int second) {
        return new CallHungUp("e-hup-" + party, "call-1", T0.plusSeconds(second), seq == 0 ? 0 : 1, seq, party);
    }

    Call applyAll(Call call, List<CallEvent> events) {
        for (CallEvent e : events) {
            Outcome outcome = machine.apply(call, e);
            call = outcome.call();
        }
        return call;
    }

    @Test
    void startRingsEveryLiveCalleeConnectionAndArmsTheRingTimer() {
        Outcome outcome = machine.start(request(), List.of("a1"), voip("b1", "b2"));

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.APPLIED);
        assertThat(outcome.call().state()).isEqualTo(CallState.RINGING);
        assertThat(outcome.call().version()).isEqualTo(1);
        assertThat(legs(outcome)).containsExactly(
                new ScheduleRingTimeout("call-1", T0.plusSeconds(45)),
                new RingCallee("call-1", "alice", "a1", "bob", List.of("b1", "b2")));
        assertThat(outcome.call().timeline()).extracting(TimelineEntry::state)
                .containsExactly(CallState.REQUESTED, CallState.RINGING);
    }

    @Test
    void calleeWithoutLiveConnectionIsUnreachableAndTheCallerLegIsReleased() {
        Outcome outcome = machine.start(request(), List.of("a1"), voip());

        assertThat(outcome.call().state()).isEqualTo(CallState.ENDED);
        assertThat(outcome.call().endReason()).isEqualTo(EndReason.UNREACHABLE);
        assertThat(legs(outcome)).containsExactly(new ReleaseConnection("call-1", "a1"));
    }

    @Test
    void callerConnectionThatIsNotLiveFailsTheCall() {
        Outcome outcome = machine.start(request(), List.of("a9"), voip("b1"));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(legs(outcome)).isEmpty();
    }

    @Test
    void answerBridgesCallerWithTheAnsweringConnectionAndStopsTheOthers() {
        Call call = applyAll(ringing(), List.of(ringingReport()));
        Outcome outcome = machine.apply(call, answer(2));

        assertThat(outcome.call().state()).isEqualTo(CallState.CONNECTED);
        assertThat(outcome.call().answeredAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(legs(outcome)).containsExactly(
                new BridgeConnections("call-1", "a1", "b2"), new ReleaseConnection("call-1", "b1"));
    }

    @Test
    void hangupOfAConnectedCallCompletesItAndTearsDownBothLegs() {
        Call call = applyAll(ringing(), List.of(ringingReport(), answer(2)));
        Outcome outcome = machine.apply(call, hangup(3, Party.CALLEE, 60));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(outcome.call().endedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(legs(outcome)).containsExactly(
                new ReleaseConnection("call-1", "a1"), new ReleaseConnection("call-1", "b2"));
    }

    @Test
    void mediaLostDuringTheCallEndsItFailedAfterTheTalkSoFarAndTearsDownBothLegs() {
        Call call = applyAll(ringing(), List.of(ringingReport(), answer(2)));
        Outcome outcome = machine.apply(call, new CallEvent.MediaLost("e-lost", "call-1", T0.plusSeconds(40),
                Party.CALLEE, "its connection dropped"));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(outcome.call().endedAt()).isEqualTo(T0.plusSeconds(40));
        assertThat(outcome.call().timeline().get(outcome.call().timeline().size() - 1).detail())
                .isEqualTo("FAILED (the callee's media was lost: its connection dropped)");
        assertThat(legs(outcome)).containsExactly(
                new ReleaseConnection("call-1", "a1"), new ReleaseConnection("call-1", "b2"));
        assertThat(CallDetails.of(outcome.call()).talkSeconds()).isEqualTo(35);
    }

    @Test
    void mediaThatCannotBeSetUpEndsARingingCallFailedAndReleasesEveryLeg() {
        Outcome outcome = machine.apply(ringing(), new CallEvent.MediaLost("e-lost", "call-1", T0.plusSeconds(9),
                null, "the switch could not set up the call's media"));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(legs(outcome)).containsExactlyInAnyOrder(new ReleaseConnection("call-1", "a1"),
                new ReleaseConnection("call-1", "b1"), new ReleaseConnection("call-1", "b2"));
        Call ended = outcome.call();
        assertThat(machine.apply(ended, new CallEvent.MediaLost("e-late", "call-1", T0.plusSeconds(10), null,
                "the meeting ended")).kind()).isEqualTo(Outcome.Kind.IGNORED);
    }

    @Test
    void endReasonsWhileRinging() {
        assertThat(machine.apply(ringing(), new CallDeclined("d", "call-1", T0.plusSeconds(3), 1, 1)).call().endReason())
                .isEqualTo(EndReason.REJECTED);
        assertThat(machine.apply(ringing(), new CalleeBusy("b", "call-1", T0.plusSeconds(3), 1, 1)).call().endReason())
                .isEqualTo(EndReason.BUSY);
        assertThat(machine.apply(ringing(), hangup(0, Party.CALLER, 3)).call().endReason())
                .isEqualTo(EndReason.CANCELLED);
        assertThat(machine.apply(ringing(), hangup(0, Party.CALLEE, 3)).call().endReason())
                .isEqualTo(EndReason.REJECTED);
        assertThat(machine.apply(ringing(), new CallFailed("f", "call-1", T0.plusSeconds(3), 1, 1, 503, "SIP 503"))
                .call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(machine.apply(ringing(), RingTimeoutElapsed.of("call-1", T0.plusSeconds(45))).call().endReason())
                .isEqualTo(EndReason.MISSED);
    }

    @Test
    void cancelWhileRingingReleasesTheCallerAndEveryRingingConnection() {
        Outcome outcome = machine.apply(ringing(), hangup(0, Party.CALLER, 3));

        assertThat(legs(outcome)).containsExactly(new ReleaseConnection("call-1", "a1"),
                new ReleaseConnection("call-1", "b1"), new ReleaseConnection("call-1", "b2"));
    }

    @Test
    void nothingMovesAnEndedCall() {
        Call ended = machine.apply(ringing(), hangup(0, Party.CALLER, 3)).call();

        for (CallEvent late : List.of(answer(1), ringingReport(), hangup(2, Party.CALLEE, 9),
                RingTimeoutElapsed.of("call-1", T0.plusSeconds(45)))) {
            Outcome outcome = machine.apply(ended, late);
            assertThat(outcome.kind()).isEqualTo(Outcome.Kind.IGNORED);
            assertThat(outcome.call()).isSameAs(ended);
            assertThat(legs(outcome)).isEmpty();
        }
    }

    @Test
    void ringTimeoutAfterAnswerIsStale() {
        Call connected = applyAll(ringing(), List.of(ringingReport(), answer(2)));

        Outcome outcome = machine.apply(connected, RingTimeoutElapsed.of("call-1", T0.plusSeconds(45)));

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.IGNORED);
    }

    @Test
    void redeliveredEventReissuesItsCommandsWithoutChangingTheRecord() {
        Call ringing = applyAll(ringing(), List.of(ringingReport()));
        Outcome first = machine.apply(ringing, answer(2));

        Outcome again = machine.apply(first.call(), answer(2));

        assertThat(again.kind()).isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(again.call()).isSameAs(first.call());
        assertThat(again.commands()).isEqualTo(first.commands());
    }

    @Test
    void switchReportAtOrBelowTheAppliedSequenceIsADuplicate() {
        Call connected = applyAll(ringing(), List.of(ringingReport(), answer(2)));
        CallEvent sameAnswerNewEnvelope = new CallAnswered("e-ans-copy", "call-1", T0.plusSeconds(5), 1, 2, "b2");

        assertThat(machine.apply(connected, sameAnswerNewEnvelope).kind()).isEqualTo(Outcome.Kind.IGNORED);
    }

    @Test
    void hangupBeforeTheAnswerArrivesWaitsForItThenCompletes() {
        Call call = applyAll(ringing(), List.of(ringingReport()));

        Outcome early = machine.apply(call, hangup(3, Party.CALLEE, 60));
        assertThat(early.kind()).isEqualTo(Outcome.Kind.DEFERRED);
        assertThat(early.call().state()).isEqualTo(CallState.RINGING);
        assertThat(legs(early)).isEmpty();

        Outcome late = machine.apply(early.call(), answer(2));
        assertThat(late.call().state()).isEqualTo(CallState.ENDED);
        assertThat(late.call().endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(legs(late)).containsExactly(
                new BridgeConnections("call-1", "a1", "b2"), new ReleaseConnection("call-1", "b1"),
                new ReleaseConnection("call-1", "a1"), new ReleaseConnection("call-1", "b2"));
    }

    @Test
    void everyOrderOfTheSwitchReportsEndsInTheSameRecord() {
        List<CallEvent> reports = List.of(ringingReport(), answer(2), hangup(3, Party.CALLER, 60));
        Call inOrder = applyAll(ringing(), reports);

        for (List<CallEvent> order : permutations(reports)) {
            Call reordered = applyAll(ringing(), order);
            assertThat(withoutBookkeeping(reordered)).as("order %s", order).isEqualTo(withoutBookkeeping(inOrder));
        }
    }

    @Test
    void ringTimeoutFlushesReportsStuckBehindALostOne() {
        Call call = ringing();
        call = machine.apply(call, answer(2)).call(); // #1 (ringing) never arrives

        Outcome outcome = machine.apply(call, RingTimeoutElapsed.of("call-1", T0.plusSeconds(45)));

        assertThat(outcome.call().state()).isEqualTo(CallState.CONNECTED);
        assertThat(outcome.call().deferred()).isEmpty();
    }

    @Test
    void answerFromAConnectionThatWasNotRungIsNotBridged() {
        Outcome outcome = machine.apply(ringing(), new CallAnswered("x", "call-1", T0, 1, 1, "mallory-1"));

        assertThat(outcome.call().state()).isEqualTo(CallState.RINGING);
        assertThat(legs(outcome)).isEmpty();
    }

    @Test
    void illegalMovesAreRejected() {
        Call ended = machine.apply(ringing(), hangup(0, Party.CALLER, 3)).call();

        assertThatThrownBy(() -> ended.moveTo(CallState.RINGING, T0, "again"))
                .isInstanceOf(IllegalCallTransition.class)
                .hasMessageContaining("ENDED to RINGING");
        assertThatThrownBy(() -> ringing().moveTo(CallState.REQUESTED, T0, "back"))
                .isInstanceOf(IllegalCallTransition.class);
        assertThat(CallState.CONNECTED.canMoveTo(CallState.RINGING)).isFalse();
    }

    @Test
    void aUserCannotCallThemselves() {
        assertThatThrownBy(() -> new CallRequested("e", "c", T0, "alice", "a1", "alice"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Call withoutBookkeeping(Call call) {
        return new Call(call.callId(), call.callerUserId(), call.callerConnectionId(), call.calleeUserId(),
                call.dialledNumber(), call.route(), call.state(), call.endReason(), call.ringingConnectionIds(),
                call.calleeConnectionId(), call.failoverProviders(), call.carrierRates(), call.charging(),
                call.attempts(), call.requestedAt(),
                call.answeredAt(), call.endedAt(), call.lastSwitchSequence(), call.deferred(), call.timeline(), null,
                List.of(), List.of(), call.checkBy(), 0);
    }

    private static <T> List<List<T>> permutations(List<T> items) {
        if (items.isEmpty()) {
            return List.of(List.of());
        }
        List<List<T>> all = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<T> rest = new ArrayList<>(items);
            T head = rest.remove(i);
            for (List<T> tail : permutations(rest)) {
                List<T> one = new ArrayList<>(Collections.singletonList(head));
                one.addAll(tail);
                all.add(one);
            }
        }
        return all;
    }

    /** The commands that work on legs and the ring timer (not the settlement, cut-off, watchdog or its checks). */
    static List<CallCommand> legs(Outcome outcome) {
        return outcome.commands().stream().filter(c -> !(c instanceof CallCommand.ChargeCall
                || c instanceof CallCommand.ScheduleCutOff || c instanceof CallCommand.ScheduleCheck
                || c instanceof CallCommand.CheckNumber)).toList();
    }
}
